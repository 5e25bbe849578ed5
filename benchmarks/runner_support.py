"""Shared helpers of the runner benchmarks (imported explicitly; not a conftest).

- :func:`tiny_openclip` writes a small, randomly initialised open_clip model as an
  ``openclip:local-dir:`` folder (config + safetensors), usable by open_clip and by
  CLIP_benchmark alike.
- :func:`private_cache` points ``MODALBENCH_CACHE`` at a fresh folder for the prediction
  cache while reusing the generated shapes data of the usual cache (no regeneration).
- :func:`report` prints figures straight to the terminal, even under output capture.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

#: A CLIP small enough for a 2-core CPU, large enough that the model dominates the run:
#: a 4-layer ViT with 8x8 patches on 64 px images (the shapes resolution) and a 2-layer
#: text tower with 24 tokens.
TINY_CONFIG: dict[str, Any] = {
    "embed_dim": 128,
    "vision_cfg": {"image_size": 64, "layers": 4, "width": 192, "patch_size": 8},
    "text_cfg": {
        "context_length": 24,
        "vocab_size": 49408,
        "width": 128,
        "heads": 2,
        "layers": 2,
    },
}
TINY_NAME = "modalbench-tiny-clip"

#: For the harness-overhead benchmark: the same shape, deeper and wider, so that on a
#: 2-core CPU the model calls of shapes-retrieval take about 40 s, as model work dominates
#: any real evaluation (the fixed costs of a run are printed separately).
HARNESS_CONFIG: dict[str, Any] = {
    "embed_dim": 256,
    "vision_cfg": {"image_size": 64, "layers": 6, "width": 256, "patch_size": 8},
    "text_cfg": {
        "context_length": 24,
        "vocab_size": 49408,
        "width": 192,
        "heads": 3,
        "layers": 4,
    },
}


@dataclass(frozen=True)
class TinyClip:
    """Where a tiny open_clip model was written."""

    name: str
    folder: Path
    weights: Path
    config: Path

    @property
    def spec(self) -> str:
        """The modalbench model spec."""
        return f"openclip:local-dir:{self.folder}"


def tiny_openclip(
    root: Path, *, seed: int = 0, config: dict[str, Any] | None = None, name: str = TINY_NAME
) -> TinyClip:
    """Create (once) a random-weight open_clip model called ``name`` under ``root``."""
    import open_clip
    import torch
    from safetensors.torch import save_file

    cfg = config or TINY_CONFIG
    folder = root / name
    weights = folder / "open_clip_model.safetensors"
    arch = root / f"{name}.json"  # the bare architecture, for open_clip's registry
    if not weights.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        arch.write_text(json.dumps(cfg))
        (folder / "open_clip_config.json").write_text(
            json.dumps({"model_cfg": cfg, "preprocess_cfg": {}})
        )
        open_clip.add_model_config(arch)
        torch.manual_seed(seed)
        model = open_clip.create_model(name)
        state = {k: v.contiguous() for k, v in model.state_dict().items()}
        save_file(state, str(weights))
    open_clip.add_model_config(arch)
    return TinyClip(name, folder, weights, arch)


@contextmanager
def private_cache(root: Path) -> Iterator[Path]:
    """A fresh ``MODALBENCH_CACHE`` whose ``shapes`` data links to the usual cache."""
    from bench.data.shapes.cache import default_cache_root

    shared = default_cache_root()
    shared.mkdir(parents=True, exist_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    link = root / "shapes"
    if not link.exists():
        link.symlink_to(shared, target_is_directory=True)
    previous = os.environ.get("MODALBENCH_CACHE")
    os.environ["MODALBENCH_CACHE"] = str(root)
    try:
        yield root
    finally:
        if previous is None:
            os.environ.pop("MODALBENCH_CACHE", None)
        else:
            os.environ["MODALBENCH_CACHE"] = previous


_CARDS_MODULE = """from pathlib import Path

from bench.data.sources import register_reader
from modalbench_tasks.catalog import CardCatalog

register_reader("jsonl", "bench.data.sources.jsonl:read_jsonl")
TASKS = CardCatalog(Path({folder!r}), provider_name="benchmark")
"""


def register_cards(site: Path, cards: Path) -> None:
    """Register the dataset cards of ``cards`` as a task plugin of this process.

    Writes a one-module distribution under ``site`` (entry point ``modalbench.tasks``),
    puts it on ``sys.path`` and refreshes the registry, the way an installed plugin is seen.
    """
    import sys

    from bench import registry

    dist = site / "modalbench_benchcards-0.1.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: modalbench-benchcards\nVersion: 0.1\n"
    )
    (dist / "entry_points.txt").write_text(
        "[modalbench.tasks]\nbenchcards = modalbench_benchcards:TASKS\n"
    )
    (site / "modalbench_benchcards.py").write_text(_CARDS_MODULE.format(folder=str(cards)))
    sys.path.insert(0, str(site))
    sys.modules.pop("modalbench_benchcards", None)
    registry.refresh()


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall seconds of one call, and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and its finished children so far."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def report(capsys: pytest.CaptureFixture[str], title: str, lines: list[str]) -> None:
    """Print a block of figures to the terminal (bypassing pytest's capture)."""
    with capsys.disabled():
        print(f"\n== {title} ==")
        for line in lines:
            print(f"   {line}")
