"""Harness overhead: a full ``bench.run`` against a bare loop over the same model calls.

Both run in this process on the same small open_clip model (random weights, written as an
``openclip:local-dir:`` folder; see ``HARNESS_CONFIG``) over all of shapes-retrieval
(1,000 images, 5,000 captions) with the same batches. The bare loop gets its image batches
decoded and preprocessed in advance and only calls ``embed_images`` / ``embed_texts``. The full run
does everything a user's ``modalbench run`` does: read and fingerprint the data, load and
fingerprint the model, decode and preprocess in loader workers, validate and gather
outputs, compute recall@k with 1,000 bootstrap resamples, write the record. The
prediction cache is off (a cached rerun is measured in test_cached_rerun.py).

One warm-up run first pays the one-time costs of a fresh process (imports, dataset cache
check). Rounds then alternate bare and full so machine noise hits both alike. Printed:
the ratio of the fastest full run to the fastest bare loop (the least disturbed of each;
target <= 1.05), the ratio of medians, and the ratio of CPU time (this process plus its
loader workers), which a busy machine disturbs less than wall time, and, per full run,
its fixed cost (wall time minus the model time measured inside it) and the ratio of its
wall time to that model time (immune to machine noise between runs).
``MODALBENCH_BENCH_ROUNDS`` sets the number of rounds (default 3);
``MODALBENCH_BENCH_DEVICE=cuda`` runs both on a GPU (the bare loop's batches are moved to
the GPU in advance, and it synchronises before its clock stops) and
``MODALBENCH_BENCH_DTYPE=bf16`` autocasts both.

    python -m pytest benchmarks/test_harness_overhead.py
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any

import pytest
import torch
from runner_support import HARNESS_CONFIG, cpu_seconds, report, timed, tiny_openclip

import bench
from bench.adapters.base import LoadOptions, ModelSpec
from bench.data.images import load_image
from bench.registry import build_task, resolve_model
from bench.runner.device import inference_context
from bench.runner.executor import TEXT_BATCH_FACTOR
from bench.tasking import DataOptions

TASK = "shapes-retrieval"
BATCH = 32
ROUNDS = int(os.environ.get("MODALBENCH_BENCH_ROUNDS", "3"))
DEVICE = os.environ.get("MODALBENCH_BENCH_DEVICE", "cpu")
DTYPE = os.environ.get("MODALBENCH_BENCH_DTYPE", "fp32")


def _bare_inputs(adapter: Any) -> tuple[list[Any], list[list[str]]]:
    """Image batches decoded, preprocessed and on the device in advance; caption batches.

    Captions are batched as the runner batches a text-only stage.
    """
    data = build_task(TASK).load(DataOptions())
    preprocess = adapter.image_preprocessor()
    samples = list(data.samples)
    images = [
        preprocess([load_image(s.image) for s in samples[i : i + BATCH]]).to(DEVICE)
        for i in range(0, len(samples), BATCH)
    ]
    captions = [c for s in samples for c in s.references]
    step = BATCH * TEXT_BATCH_FACTOR
    texts = [captions[i : i + step] for i in range(0, len(captions), step)]
    return images, texts


def test_full_run_vs_bare_model_loop(
    benchmark: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tiny_openclip(
        tmp_path / "models", config=HARNESS_CONFIG, name="modalbench-harness-clip"
    )
    options = {
        "use_cache": False,
        "progress": False,
        "batch_size": BATCH,
        "device": DEVICE,
        "dtype": DTYPE,
    }
    bench.run(tasks=[TASK], models=[model.spec], limit=40, out=tmp_path / "warm", **options)

    adapter = resolve_model(ModelSpec.parse(model.spec)).load(LoadOptions(DEVICE, DTYPE))
    images, texts = _bare_inputs(adapter)

    def bare() -> None:
        with inference_context(DEVICE, DTYPE):
            for batch in images:
                adapter.embed_images(batch)
            for captions in texts:
                adapter.embed_texts(captions)
        if DEVICE.startswith("cuda"):
            torch.cuda.synchronize()

    bare_times: list[float] = []
    full_times: list[float] = []
    bare_cpu: list[float] = []
    full_cpu: list[float] = []
    records: list[Any] = []

    def one_round() -> None:
        cpu = cpu_seconds()
        seconds, _ = timed(bare)
        bare_times.append(seconds)
        bare_cpu.append(cpu_seconds() - cpu)
        out = tmp_path / f"run{len(full_times)}"
        cpu = cpu_seconds()
        seconds, result = timed(
            lambda: bench.run(tasks=[TASK], models=[model.spec], out=out, **options)
        )
        full_cpu.append(cpu_seconds() - cpu)
        full_times.append(seconds)
        records.append(result[0])

    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1)
    ratio = min(full_times) / min(bare_times)
    median_ratio = statistics.median(full_times) / statistics.median(bare_times)
    cpu_ratio = statistics.median(full_cpu) / statistics.median(bare_cpu)
    last = records[-1]
    throughput = last.throughput
    benchmark.extra_info.update(
        {
            "bare_s": bare_times,
            "full_s": full_times,
            "bare_cpu_s": bare_cpu,
            "full_cpu_s": full_cpu,
            "ratio": ratio,
            "median_ratio": median_ratio,
            "cpu_ratio": cpu_ratio,
            "target": 1.05,
        }
    )
    report(
        capsys,
        "harness overhead (full bench.run / bare model loop)",
        [
            f"model {model.name}, {TASK}: {last.task.n_samples} images, "
            f"{throughput.computed_items} model items, batch {BATCH}, "
            f"{torch.get_num_threads()} torch threads, {last.config['num_workers']} loader workers",
            f"bare loop  wall s: {', '.join(f'{t:.2f}' for t in bare_times)}",
            f"full run   wall s: {', '.join(f'{t:.2f}' for t in full_times)}",
            f"bare loop  cpu  s: {', '.join(f'{t:.2f}' for t in bare_cpu)}",
            f"full run   cpu  s: {', '.join(f'{t:.2f}' for t in full_cpu)}",
            "fixed cost per full run (wall - model time inside it) s: "
            + ", ".join(
                f"{w - r.throughput.model_time_s:.2f}"
                for w, r in zip(full_times, records, strict=True)
            ),
            "wall / model time inside the same full run: "
            + ", ".join(
                f"{w / r.throughput.model_time_s:.3f}"
                for w, r in zip(full_times, records, strict=True)
            ),
            f"model time inside the last full run: {throughput.model_time_s:.2f} s "
            f"(samples/s {throughput.samples_per_s:.1f}, items/s {throughput.items_per_s:.1f}, "
            f"p50 {throughput.batch_latency_p50_s * 1000:.1f} ms, "
            f"p95 {throughput.batch_latency_p95_s * 1000:.1f} ms)",
            f"fastest full / fastest bare: {ratio:.3f} "
            f"(target <= 1.05: {'met' if ratio <= 1.05 else 'NOT met'}); "
            f"median ratio {median_ratio:.3f}; CPU-time ratio {cpu_ratio:.3f}",
        ],
    )
    assert last.metrics["t2i_R@1"].value >= 0.0
