"""The CUDA path: autocast, synchronised timing, OOM back-off under a real OOM, peak memory.

Skipped without CUDA; the CPU side of the same code is covered by test_device_paths.py.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence

import numpy as np
import pytest
import torch
from PIL import Image

from bench.errors import SampleError
from bench.runner.executor import ExecutorConfig, LoaderExecutor
from bench.runner.throughput import ThroughputMeter
from bench.tasking import Batch, Output, WorkItem

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
]


def png(value: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (value, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


class ToTensor:
    def __call__(self, images: list[Image.Image]) -> torch.Tensor:
        return torch.stack(
            [torch.from_numpy(np.asarray(im, dtype=np.float32)).flatten() for im in images]
        )


class Model:
    def __init__(self) -> None:
        torch.manual_seed(0)
        self.layer = torch.nn.Linear(192, 16).cuda()

    def image_preprocessor(self) -> ToTensor:
        return ToTensor()


def executor(model: object, dtype: str = "fp32", batch_size: int = 4) -> LoaderExecutor:
    return LoaderExecutor(
        model,
        ExecutorConfig(batch_size, "cuda", dtype, num_workers=1, progress=False),
        ThroughputMeter("cuda", batch_size),
        cache=None,
        namespace="cuda-test",
    )


def items(n: int) -> list[WorkItem]:
    return [WorkItem(f"i{k}", png(k * 9)) for k in range(n)]


@pytest.mark.parametrize(
    ("dtype", "expected"), [("bf16", torch.bfloat16), ("fp16", torch.float16), ("fp32", None)]
)
def test_autocast_runs_the_model_in_the_requested_dtype(
    dtype: str, expected: torch.dtype | None
) -> None:
    model = Model()
    seen: list[torch.dtype] = []

    def call(batch: Batch) -> list[Output | SampleError]:
        assert batch.images.is_cuda
        out = model.layer(batch.images)
        seen.append(out.dtype)
        return list(out.float().cpu().numpy())

    result = executor(model, dtype).map("emb", items(10), call, output_kind="vector")
    assert len(result.outputs) == 10 and not result.errors
    assert set(seen) == {expected or torch.float32}
    reference = model.layer(ToTensor()([Image.open(io.BytesIO(png(9)))]).cuda())
    tolerance = 1e-5 if dtype == "fp32" else 5e-2 * float(reference.abs().max())
    np.testing.assert_allclose(result.outputs["i1"], reference[0].detach().cpu(), atol=tolerance)


def test_latency_waits_for_queued_kernels() -> None:
    model = Model()
    events: list[tuple[torch.cuda.Event, torch.cuda.Event]] = []

    def call(batch: Batch) -> list[Output | SampleError]:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        x = torch.randn(4096, 4096, device="cuda")
        for _ in range(10):
            x = (x @ x) / 64.0  # queued; the call returns before the GPU is done
        end.record()
        events.append((start, end))
        return ["done"] * len(batch.ids)

    ex = executor(model, batch_size=2)
    ex.map("matmul", items(6), call)
    torch.cuda.synchronize()
    gpu_seconds = [start.elapsed_time(end) / 1000 for start, end in events]
    assert min(gpu_seconds) > 1e-3  # the work is long enough to tell the difference
    for latency, gpu in zip(ex.meter.timing.latencies, gpu_seconds, strict=True):
        assert latency >= 0.9 * gpu


@pytest.fixture
def half_the_gpu() -> Iterator[int]:
    """Cap this process at half the GPU (a safety net on shared machines)."""
    torch.cuda.empty_cache()
    torch.cuda.set_per_process_memory_fraction(0.5)
    total = torch.cuda.get_device_properties(0).total_memory
    yield int(total * 0.5)
    torch.cuda.set_per_process_memory_fraction(1.0)
    torch.cuda.empty_cache()


def test_a_real_out_of_memory_halves_the_batch(half_the_gpu: int) -> None:
    per_item = half_the_gpu // 24  # 32 items cannot fit; 16 can
    model = Model()
    sizes: list[int] = []

    def call(batch: Batch) -> Sequence[Output | SampleError]:
        block = torch.empty(per_item * len(batch.ids), dtype=torch.uint8, device="cuda")
        block.fill_(1)
        sizes.append(len(batch.ids))
        return [f"{int(block[:1].item())}"] * len(batch.ids)

    ex = executor(model, batch_size=32)
    result = ex.map("grow", items(64), call)
    assert len(result.outputs) == 64 and not result.errors
    assert [(e["from"], e["to"]) for e in ex.oom_events] == [(32, 16)]
    assert "OutOfMemoryError" in ex.oom_events[0]["error"]
    assert max(sizes) == 16
    assert ex.meter.final_batch_size == 16


def test_peak_memory_is_the_cuda_allocator_peak() -> None:
    meter = ThroughputMeter("cuda", batch_size=1)
    block = torch.empty(256 * 1024 * 1024, dtype=torch.uint8, device="cuda")
    del block
    peak, kind = meter.peak_memory()
    assert kind == "cuda_max_allocated"
    assert peak is not None and peak >= 256 * 1024 * 1024
    again = ThroughputMeter("cuda", batch_size=1)  # a new evaluation resets the peak
    assert again.peak_memory()[0] < 256 * 1024 * 1024  # type: ignore[operator]
