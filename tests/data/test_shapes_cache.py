"""The shapes disk cache: layout, reuse without rebuilding, repair, concurrent builders."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import datasets
import pytest

import bench.data.shapes.cache as cache
from bench.data.shapes import GENERATOR_VERSION, build_split, load_split

SIZE = 12


class CountingBuilder:
    """Wraps the real builder and counts calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, task: str, split: str, *, seed: int, size: int) -> datasets.Dataset:
        self.calls += 1
        return build_split(task, split, seed=seed, size=size)


@pytest.fixture
def builder(monkeypatch: pytest.MonkeyPatch) -> CountingBuilder:
    counting = CountingBuilder()
    monkeypatch.setattr(cache, "build_split", counting)
    return counting


def rows(dataset: datasets.Dataset) -> list[dict[str, object]]:
    return dataset.cast_column("image", datasets.Image(decode=False)).to_list()


def entry(root: Path, task: str = "captioning", split: str = "test", seed: int = 0) -> Path:
    return root / f"v{GENERATOR_VERSION}-seed{seed}" / f"{task}-{split}-{SIZE}"


def test_first_load_builds_then_reads_from_disk(tmp_path: Path, builder: CountingBuilder) -> None:
    first = load_split("captioning", "test", size=SIZE, cache_root=tmp_path)
    assert builder.calls == 1
    assert (entry(tmp_path) / "shapes-manifest.json").is_file()
    second = load_split("captioning", "test", size=SIZE, cache_root=tmp_path)
    assert builder.calls == 1
    assert rows(second) == rows(first) == rows(build_split("captioning", "test", size=SIZE))
    # Served from the cache folder (memory-mapped), not regenerated in memory.
    assert all(Path(f["filename"]).parent == entry(tmp_path) for f in second.cache_files)


def test_default_root_is_under_the_modalbench_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, builder: CountingBuilder
) -> None:
    monkeypatch.setenv("MODALBENCH_CACHE", str(tmp_path))
    load_split("vqa", "test", seed=2, size=SIZE)
    assert (entry(tmp_path / "shapes", "vqa", seed=2) / "shapes-manifest.json").is_file()


def test_seed_size_and_split_get_their_own_entries(
    tmp_path: Path, builder: CountingBuilder
) -> None:
    load_split("captioning", "test", size=SIZE, cache_root=tmp_path)
    load_split("captioning", "test", seed=1, size=SIZE, cache_root=tmp_path)
    load_split("captioning", "train", size=SIZE, cache_root=tmp_path)
    load_split("captioning", "test", size=SIZE + 1, cache_root=tmp_path)
    assert builder.calls == 4
    assert entry(tmp_path, seed=1).is_dir() and entry(tmp_path, split="train").is_dir()


def arrow_file(folder: Path) -> Path:
    (path,) = folder.glob("*.arrow")
    return path


@pytest.mark.parametrize(
    "damage",
    ["truncate", "flip", "drop_manifest", "drop_arrow", "garbage_manifest", "stranger"],
)
def test_damaged_entries_are_rebuilt(tmp_path: Path, builder: CountingBuilder, damage: str) -> None:
    reference = rows(load_split("sentiment", "test", size=SIZE, cache_root=tmp_path))
    folder = entry(tmp_path, "sentiment")
    if damage == "truncate":
        data = arrow_file(folder).read_bytes()
        arrow_file(folder).write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        data = bytearray(arrow_file(folder).read_bytes())
        data[-200] ^= 0xFF
        arrow_file(folder).write_bytes(bytes(data))
    elif damage == "drop_manifest":
        (folder / "shapes-manifest.json").unlink()
    elif damage == "drop_arrow":
        arrow_file(folder).unlink()
    elif damage == "garbage_manifest":
        (folder / "shapes-manifest.json").write_text("{not json")
    else:  # a half-copied folder from elsewhere: no manifest, unrelated content
        for path in folder.iterdir():
            path.unlink()
        (folder / "state.json").write_text("{}")
    again = load_split("sentiment", "test", size=SIZE, cache_root=tmp_path)
    assert builder.calls == 2
    assert rows(again) == reference
    assert load_split("sentiment", "test", size=SIZE, cache_root=tmp_path).num_rows == SIZE
    assert builder.calls == 2
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name]


def test_losing_the_race_keeps_the_winners_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process finishes the same split while this one is still building."""
    state = {"calls": 0}

    def racing_build(task: str, split: str, *, seed: int, size: int) -> datasets.Dataset:
        state["calls"] += 1
        if state["calls"] == 1:
            load_split(task, split, seed=seed, size=size, cache_root=tmp_path)  # the rival
        return build_split(task, split, seed=seed, size=size)

    monkeypatch.setattr(cache, "build_split", racing_build)
    result = load_split("vqa", "test", size=SIZE, cache_root=tmp_path)
    assert state["calls"] == 2
    assert rows(result) == rows(build_split("vqa", "test", size=SIZE))
    folder = entry(tmp_path, "vqa")
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name]  # no temp left


def test_concurrent_loads_agree(tmp_path: Path) -> None:
    def load(_: int) -> list[dict[str, object]]:
        return rows(load_split("retrieval", "test", size=SIZE, cache_root=tmp_path))

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(load, range(4)))
    assert all(r == results[0] for r in results)
    folder = entry(tmp_path, "retrieval")
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name]
    assert load_split("retrieval", "test", size=SIZE, cache_root=tmp_path).num_rows == SIZE
