"""The executor: batching, per-item failures, caching, OOM back-off."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from bench.errors import EvaluationAbortError, RunAbortError, SampleError, UsageError
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
        if "i6" in batch.ids:
            raise ValueError("tokenizer exploded")
        return ["fine"] * len(batch.ids)

    result = make_executor().map("s", items(8), call)
    assert set(result.outputs) == {f"i{k}" for k in range(8)} - {"i6"}
    assert result.errors == {"i6": "model call failed: ValueError: tokenizer exploded"}


def test_a_failure_in_the_first_batch_aborts_the_evaluation() -> None:
    def call(batch: Batch) -> list[Output | SampleError]:
        if "i2" in batch.ids:
            raise ValueError("tokenizer exploded")
        return ["fine"] * len(batch.ids)

    with pytest.raises(EvaluationAbortError, match="stage s: the first model call failed"):
        make_executor().map("s", items(8), call)


def test_an_exception_every_item_reproduces_aborts_the_evaluation() -> None:
    def call(batch: Batch) -> list[Output | SampleError]:
        if any(int(i[1:]) >= 4 for i in batch.ids):
            raise IndexError("list index out of range")
        return ["fine"] * len(batch.ids)

    with pytest.raises(EvaluationAbortError, match="every item of a batch of 4 failed alone"):
        make_executor().map("s", items(8), call)


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (UsageError("prompt template needs {question}"), "UsageError: prompt template"),
        (None, "returned 1 outputs for a batch of 4"),
    ],
)
def test_usage_errors_and_broken_contracts_abort_even_after_successes(
    fault: Exception | None, message: str
) -> None:
    def call(batch: Batch) -> list[Output | SampleError]:
        if "i4" not in batch.ids:
            return ["fine"] * len(batch.ids)
        if fault is not None:
            raise fault
        return ["one"]

    with pytest.raises(EvaluationAbortError, match=message):
        make_executor().map("s", items(8), call)


def test_a_dead_cuda_context_stops_the_run() -> None:
    def call(batch: Batch) -> list[Output | SampleError]:
        if "i5" in batch.ids:
            raise RuntimeError("CUDA error: device-side assert triggered")
        return ["fine"] * len(batch.ids)

    with pytest.raises(RunAbortError, match="CUDA_LAUNCH_BLOCKING=1"):
        make_executor().map("s", items(8), call)


def test_a_long_run_of_single_item_failures_aborts() -> None:
    def call(batch: Batch) -> list[Output | SampleError]:
        if int(batch.ids[0][1:]) >= 2:
            raise RuntimeError("model state corrupted")
        return ["fine"] * len(batch.ids)

    executor = make_executor(batch_size=1)
    with pytest.raises(EvaluationAbortError, match="32 items in a row failed"):
        executor.map("s", items(40), call)


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


class _NamedTask:
    def __init__(self, name: str) -> None:
        self.name = name


class _Adapter:
    def fingerprint(self) -> str:
        return "weights"

    def settings(self) -> dict[str, str]:
        return {"a": "b"}


def _namespace(task: str = "t", data: str = "data", seed: int = 0, device: str = "cpu",
               dtype: str = "fp32") -> str | None:  # fmt: skip
    return cache_namespace(_Adapter(), _NamedTask(task), data, seed, device, dtype)  # type: ignore[arg-type]


def test_cache_namespace_changes_with_dtype_and_device_kind() -> None:
    base = _namespace()
    assert base is not None and base == _namespace()
    assert base != _namespace(dtype="bf16")
    assert _namespace(device="cuda:0", dtype="bf16") == _namespace(device="cuda:1", dtype="bf16")
    assert base != _namespace(seed=1)
    assert base != _namespace(task="other")
    assert base != _namespace(data="other")


def test_cache_namespace_follows_code_and_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.runner import keys

    base = _namespace()
    real_digest, real_versions = keys.package_digest, keys.library_versions
    with monkeypatch.context() as patch:
        patch.setattr(keys, "package_digest", lambda p: f"{real_digest(p)}-edited")
        assert _namespace() != base
    with monkeypatch.context() as patch:
        patch.setattr(keys, "library_versions", lambda: {**real_versions(), "transformers": "0"})
        assert _namespace() != base
    with monkeypatch.context() as patch:
        patch.setattr(keys, "package_digest", lambda p: None)  # no source on disk: no cache
        assert _namespace() is None
    assert _namespace() == base


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
