"""The reliability tests' plugin: a card folder of broken data and a colour-naming model."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parent / "plugins"


@pytest.fixture(scope="session")
def badcases_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the badcases plugin's distribution metadata."""
    root = tmp_path_factory.mktemp("badcases-site")
    dist = root / "modalbench_badcases-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: modalbench-badcases\nVersion: 0.1\n"
    )
    (dist / "entry_points.txt").write_text(
        "[modalbench.tasks]\nbadcases = modalbench_badcases:TASKS\n\n"
        "[modalbench.models]\nbadcases = modalbench_badcases:MODELS\n"
    )
    return root


@pytest.fixture
def badcases(
    badcases_dist: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Path]:
    """Register the plugin in this process; yields the card folder to fill."""
    from bench import registry

    cards = tmp_path / "cards"
    cards.mkdir()
    monkeypatch.setenv("MODALBENCH_BADCASES_CARDS", str(cards))
    monkeypatch.syspath_prepend(str(PLUGINS))
    monkeypatch.syspath_prepend(str(badcases_dist))
    registry.refresh()
    yield cards
    registry.refresh()
    sys.modules.pop("modalbench_badcases", None)
