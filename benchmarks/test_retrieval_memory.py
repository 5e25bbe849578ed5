"""Peak memory of recall@k over 100,000 images x 500,000 texts (target: under 2 GB).

Random unit embeddings (5 captions per image) are scored by
``bench.metrics.retrieval.retrieval_metrics_from_embeddings`` in a fresh subprocess,
whose peak resident set size (``VmHWM``: the interpreter, torch and numpy included) is
the figure. The embedding width defaults to 64 so that the run finishes in minutes on a
small CPU; the embeddings themselves take ``(100k + 500k) x dim x 4`` bytes.

    python -m pytest benchmarks/test_retrieval_memory.py
    MODALBENCH_RETRIEVAL_DIM=512 python -m pytest benchmarks/test_retrieval_memory.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from runner_support import report

N_IMAGES = int(os.environ.get("MODALBENCH_RETRIEVAL_IMAGES", "100000"))
CAPTIONS = 5
DIM = int(os.environ.get("MODALBENCH_RETRIEVAL_DIM", "64"))
LIMIT_BYTES = 2 * 10**9

SCRIPT = """
import json, re, sys, time
import numpy as np
n_images, captions, dim = (int(a) for a in sys.argv[1:4])
rng = np.random.default_rng(0)
images = rng.standard_normal((n_images, dim), dtype=np.float32)
images /= np.linalg.norm(images, axis=1, keepdims=True)
texts = rng.standard_normal((n_images * captions, dim), dtype=np.float32)
texts /= np.linalg.norm(texts, axis=1, keepdims=True)
targets = np.repeat(np.arange(n_images), captions)
from bench.metrics.retrieval import retrieval_metrics_from_embeddings
start = time.perf_counter()
suite = retrieval_metrics_from_embeddings(texts, images, targets)
seconds = time.perf_counter() - start
status = open("/proc/self/status").read()
peak = int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1)) * 1024
values = {m.name: float(m.stats[:, 0].mean()) for m in suite.metrics if m.stats.ndim == 2}
print(json.dumps({"peak_rss": peak, "seconds": seconds, "metrics": values}))
"""


def test_recall_at_k_at_scale_stays_under_2gb(
    benchmark: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("reads the peak RSS from /proc")
    result: dict[str, Any] = {}

    def run() -> None:
        proc = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(N_IMAGES), str(CAPTIONS), str(DIM)],
            capture_output=True,
            text=True,
            check=True,
        )
        result.update(json.loads(proc.stdout.strip().splitlines()[-1]))

    benchmark.pedantic(run, rounds=1, iterations=1)
    n_texts = N_IMAGES * CAPTIONS
    inputs = (N_IMAGES + n_texts) * DIM * 4
    peak = result["peak_rss"]
    benchmark.extra_info.update({**result, "n_images": N_IMAGES, "n_texts": n_texts, "dim": DIM})
    report(
        capsys,
        "recall@k at scale (peak RSS of the whole subprocess)",
        [
            f"{N_IMAGES:,} images x {n_texts:,} texts, dim {DIM} "
            f"(embeddings {inputs / 1e9:.2f} GB)",
            f"peak RSS {peak / 1e9:.2f} GB (target < {LIMIT_BYTES / 1e9:.0f} GB: "
            f"{'met' if peak < LIMIT_BYTES else 'NOT met'}); "
            f"scoring took {result['seconds']:.0f} s",
            "chance-level recall of random embeddings: "
            + ", ".join(f"{k} {v:.5f}" for k, v in sorted(result["metrics"].items())),
        ],
    )
    assert peak < LIMIT_BYTES
