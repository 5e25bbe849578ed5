"""The executor: batching, per-item failures, caching, OOM back-off."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from bench.errors import SampleError
from bench.runner.api import cache_namespace, owner
from bench.runner.cache import PredictionCache
from bench.runner.executor import ExecutorConfig, LoaderExecutor, shard_of
from bench.runner.throughput import ThroughputMeter
from bench.tasking import Batch, Output, WorkItem


def png(value: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (value, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


def red_level(batch: Batch) -> list[Output | SampleError]:
    return [f"red {np.asarray(im)[0, 0, 0]}" for im in batch.images]


def make_executor(
    tmp_path: Path | None = None, batch_size: int = 4, model: object = None, workers: int = 0
) -> LoaderExecutor:
    cache = PredictionCache(tmp_path / "c.sqlite") if tmp_path else None
    return LoaderExecutor(
        model or object(),
        ExecutorConfig(batch_size, "cpu", "fp32", workers, progress=False),
        ThroughputMeter("cpu", batch_size),
        cache=cache,
        namespace="ns",
    )


def items(n: int) -> list[WorkItem]:
    return [WorkItem(f"i{k}", png(k)) for k in range(n)]


@pytest.mark.parametrize("workers", [0, 2])
def test_every_item_is_answered_in_order(workers: int) -> None:
    result = make_executor(workers=workers).map("s", items(10), red_level)
    assert result.outputs == {f"i{k}": f"red {k}" for k in range(10)}
    assert result.errors == {}


def test_bad_images_and_bad_outputs_become_item_errors() -> None:
    work = [*items(3), WorkItem("missing", "/no/such/file.png"), WorkItem("junk", b"not an image")]

    def call(batch: Batch) -> list[Output | SampleError]:
        out: list[Output | SampleError] = []
        for i, item in enumerate(batch.ids):
            out.append(
                {"i0": "", "i1": SampleError("unparseable"), "i2": "ok"}[item] if i < 3 else "?"
            )
        return out

    result = make_executor().map("s", work, call)
    assert result.outputs == {"i2": "ok"}
    assert result.errors["i0"] == "empty generation"
    assert result.errors["i1"] == "unparseable"
    assert "file not found" in result.errors["missing"]
    assert "not a recognised image" in result.errors["junk"]


def test_non_finite_vectors_are_rejected() -> None:
    def call(batch: Batch) -> list[Output | SampleError]:
        return [np.array([1.0, np.nan]) if i == "i1" else np.ones(2) for i in batch.ids]

    result = make_executor().map("s", items(3), call, output_kind="vector")
    assert set(result.outputs) == {"i0", "i2"}
    assert "non-finite" in result.errors["i1"]


def test_a_crashing_item_fails_alone() -> None:
    def call(batch: Batch) -> list[Output | SampleError]:
        if "i2" in batch.ids:
            raise ValueError("tokenizer exploded")
        return ["fine"] * len(batch.ids)

    result = make_executor().map("s", items(6), call)
    assert set(result.outputs) == {"i0", "i1", "i3", "i4", "i5"}
    assert result.errors == {"i2": "model call failed: ValueError: tokenizer exploded"}


def test_cache_serves_a_rerun_without_model_calls(tmp_path: Path) -> None:
    calls: list[int] = []

    def call(batch: Batch) -> list[Output | SampleError]:
        calls.append(len(batch.ids))
        return [np.full(3, float(i[1:]), dtype=np.float32) for i in batch.ids]

    first = make_executor(tmp_path).map("emb", items(6), call, output_kind="vector")
    assert sum(calls) == 6
    executor = make_executor(tmp_path)
    second = executor.map("emb", items(6), call, output_kind="vector")
    assert sum(calls) == 6  # nothing recomputed
    assert executor.meter.cached_items == 6
    for key, value in first.outputs.items():
        np.testing.assert_array_equal(second.outputs[key], value)
    make_executor(tmp_path).map("emb", items(6), call, settings={"x": 1}, output_kind="vector")
    assert sum(calls) == 12  # different settings, different cache key


def test_out_of_memory_halves_the_batch_and_continues() -> None:
    seen: list[int] = []

    def call(batch: Batch) -> Sequence[Output | SampleError]:
        if len(batch.ids) > 2:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 GiB")
        seen.append(len(batch.ids))
        return ["ok"] * len(batch.ids)

    executor = make_executor(batch_size=8)
    result = executor.map("s", items(10), call)
    assert len(result.outputs) == 10 and not result.errors
    assert executor.batch_size == 2 and max(seen) == 2
    assert [e["to"] for e in executor.oom_events] == [4, 2]
    assert executor.meter.final_batch_size == 2


def test_preprocessor_runs_before_the_model() -> None:
    class Model:
        def image_preprocessor(self):  # type: ignore[no-untyped-def]
            return ToTensor()

    result = make_executor(model=Model(), workers=1).map(
        "s", items(5), lambda b: [f"{float(b.images[i].sum()):.0f}" for i in range(len(b.ids))]
    )
    assert result.outputs["i3"] == str(3 * 64)


class ToTensor:
    def __call__(self, images: list[Image.Image]) -> torch.Tensor:
        return torch.stack(
            [torch.from_numpy(np.asarray(im)[..., 0].astype(np.float32)) for im in images]
        )


@pytest.mark.parametrize(("n", "world", "batch"), [(10, 2, 4), (30, 3, 4), (5, 4, 2), (0, 2, 3)])
def test_shards_are_disjoint_whole_batches_covering_everything(
    n: int, world: int, batch: int
) -> None:
    work = [WorkItem(f"i{k}") for k in range(n)]
    shards = [shard_of(work, rank, world, batch) for rank in range(world)]
    assert [i for shard in shards for i in shard] == work
    for shard in shards[:-1]:
        assert len(shard) % batch == 0


def test_shards_see_the_batches_one_process_would() -> None:
    work = [WorkItem(f"i{k}", png(k)) for k in range(10)]
    seen: list[list[str]] = []

    def call(batch: Batch) -> list[Output | SampleError]:
        seen.append(list(batch.ids))
        return ["x"] * len(batch.ids)

    single = make_executor(batch_size=3)
    single.map("s", work, call)
    alone, seen[:] = list(seen), []
    for rank in range(2):
        ex = make_executor(batch_size=3)
        ex.shard = (rank, 2)
        ex.map("s", work, call)
    assert seen == alone


def test_cache_namespace_changes_with_dtype_and_device_kind() -> None:
    class Adapter:
        def fingerprint(self) -> str:
            return "weights"

        def settings(self) -> dict[str, str]:
            return {"a": "b"}

    base = cache_namespace(Adapter(), "t", "data", 0, "cpu", "fp32")
    assert base == cache_namespace(Adapter(), "t", "data", 0, "cpu", "fp32")
    assert base != cache_namespace(Adapter(), "t", "data", 0, "cpu", "bf16")
    assert cache_namespace(Adapter(), "t", "data", 0, "cuda:0", "bf16") == cache_namespace(
        Adapter(), "t", "data", 0, "cuda:1", "bf16"
    )
    assert base != cache_namespace(Adapter(), "t", "data", 1, "cpu", "fp32")
    assert base != cache_namespace(Adapter(), "t", "other", 0, "cpu", "fp32")


def test_failed_units_count_once_for_their_sample() -> None:
    ids = {"img1", "img#2", "x"}
    assert owner("img1", ids) == "img1"
    assert owner("img1#4", ids) == "img1"
    assert owner("img#2", ids) == "img#2"
    assert owner("img#2#0", ids) == "img#2"
    assert owner("stray#1", ids) == "stray#1"


def test_text_only_stages_batch_five_texts_per_image_slot() -> None:
    sizes: list[int] = []

    def call(batch: Batch) -> list[Output | SampleError]:
        sizes.append(len(batch.ids))
        return [np.ones(2, dtype=np.float32)] * len(batch.ids)

    executor = make_executor(batch_size=4)
    texts = [WorkItem(f"t{k}", None, f"caption {k}") for k in range(47)]
    executor.map("text-embedding", texts, call, output_kind="vector")
    assert sizes == [20, 20, 7]
    sizes.clear()
    executor.map("image-embedding", items(9), call, output_kind="vector")
    assert sizes == [4, 4, 1]


def test_out_of_memory_on_a_text_stage_halves_it_too() -> None:
    seen: list[int] = []

    def call(batch: Batch) -> Sequence[Output | SampleError]:
        if len(batch.ids) > 10:
            raise torch.OutOfMemoryError("CUDA out of memory.")
        seen.append(len(batch.ids))
        return ["ok"] * len(batch.ids)

    executor = make_executor(batch_size=4)
    result = executor.map("t", [WorkItem(f"t{k}", None, "x") for k in range(25)], call)
    assert len(result.outputs) == 25
    assert [e["to"] for e in executor.oom_events] == [2] and max(seen) == 10


def test_prepare_runs_once_before_uncached_work_and_never_on_a_cached_rerun(
    tmp_path: Path,
) -> None:
    calls: list[str] = []

    def prepare() -> None:
        calls.append("prepare")

    def call(batch: Batch) -> list[Output | SampleError]:
        calls.append("call")
        return red_level(batch)

    first = make_executor(tmp_path).map("s", items(10), call, prepare=prepare)
    assert calls[0] == "prepare" and calls.count("prepare") == 1
    assert calls.count("call") == 3
    calls.clear()
    again = make_executor(tmp_path).map("s", items(10), call, prepare=prepare)
    assert calls == []
    assert again.outputs == first.outputs


def test_an_error_in_prepare_propagates_instead_of_failing_items() -> None:
    def prepare() -> None:
        raise ValueError("cannot fit")

    with pytest.raises(ValueError, match="cannot fit"):
        make_executor().map("s", items(3), red_level, prepare=prepare)
