"""Test-wide settings: offline hubs, a private cache, and the toy third-party plugin."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

PLUGIN_SRC = Path(__file__).resolve().parent / "plugins"


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test session gets its own modalbench cache (datasets, predictions)."""
    previous = os.environ.get("MODALBENCH_CACHE")
    path = tmp_path_factory.mktemp("modalbench-cache")
    os.environ["MODALBENCH_CACHE"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("MODALBENCH_CACHE", None)
    else:
        os.environ["MODALBENCH_CACHE"] = previous


def make_distribution(root: Path) -> Path:
    """Install the toy plugin as a distribution visible to importlib.metadata under ``root``."""
    dist = root / "modalbench_toy-0.1.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: modalbench-toy\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[modalbench.tasks]\ntoy = modalbench_toy:TASKS\n\n"
        "[modalbench.models]\ntoy = modalbench_toy:MODELS\n"
    )
    return root


@pytest.fixture(scope="session")
def toy_plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the toy plugin's metadata; add it and PLUGIN_SRC to the path."""
    return make_distribution(tmp_path_factory.mktemp("site"))


@pytest.fixture
def toy_plugin(toy_plugin_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Register the toy plugin in this process; yields env vars for subprocesses."""
    from bench import registry

    monkeypatch.syspath_prepend(str(PLUGIN_SRC))
    monkeypatch.syspath_prepend(str(toy_plugin_path))
    registry.refresh()
    pythonpath = os.pathsep.join(
        [str(toy_plugin_path), str(PLUGIN_SRC), os.environ.get("PYTHONPATH", "")]
    )
    yield {**os.environ, "PYTHONPATH": pythonpath}
    registry.refresh()
    sys.modules.pop("modalbench_toy", None)
