"""``torchrun --nproc-per-node 2`` on CPU (gloo) gives the single-process predictions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.records.io import find_runs, read_record, read_rows
from bench.runner.distributed import decode_stage, encode_stage
from bench.tasking import StageResult


def test_stage_encoding_round_trips_text_and_vectors() -> None:
    result = StageResult(
        outputs={"a": "a red circle", "b": np.array([0.5, -1.25, 3e-8], dtype=np.float32)},
        errors={"c": "empty generation"},
    )
    back = decode_stage(encode_stage(result))
    assert back.outputs["a"] == "a red circle"
    np.testing.assert_array_equal(back.outputs["b"], result.outputs["b"])
    assert back.errors == {"c": "empty generation"}


def _run(cmd: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _one_process_and_two_ranks(
    args: list[str], env: dict[str, str], tmp_path: Path, port: int
) -> tuple[Path, Path]:
    """Run ``modalbench args`` in one process, then under torchrun with two ranks; returns
    each run's only run folder (under torchrun only rank 0 writes one)."""
    torchrun = shutil.which("torchrun", path=os.path.dirname(sys.executable))
    assert torchrun, "torchrun is installed with torch"
    single, multi = tmp_path / "single", tmp_path / "multi"
    _run([sys.executable, "-m", "bench.cli.main", *args, "--out", str(single)], env)
    _run(
        [
            torchrun,
            "--nproc-per-node",
            "2",
            "--master-port",
            str(port),
            "-m",
            "bench.cli.main",
            *args,
            "--out",
            str(multi),
        ],
        env,
    )
    (one,) = find_runs(single)
    (two,) = find_runs(multi)
    return one, two


@pytest.mark.slow
def test_two_ranks_match_one_process(toy_plugin: dict[str, str], tmp_path: Path) -> None:
    env = {**toy_plugin, "OMP_NUM_THREADS": "1"}
    args = [
        "run",
        "--task",
        "toy-colour",
        "--model",
        "toy:mean-colour",
        "--batch-size",
        "4",
        "--quiet",
        "--no-cache",
        "--num-workers",
        "0",
    ]
    one, two = _one_process_and_two_ranks(args, env, tmp_path, 29517)
    rows_one = sorted(read_rows(one), key=lambda r: r["id"])
    rows_two = sorted(read_rows(two), key=lambda r: r["id"])
    assert rows_one == rows_two
    a, b = read_record(one), read_record(two)
    assert a.metrics == b.metrics
    assert b.config["world_size"] == 2 and a.config["world_size"] == 1
    assert b.throughput.computed_items == 30  # both shards counted once
    assert json.dumps(a.task.fingerprint) == json.dumps(b.task.fingerprint)


@pytest.mark.slow
def test_two_ranks_match_one_process_on_a_real_model(
    toy_plugin: dict[str, str], tmp_path: Path
) -> None:
    """A real (tiny, random) open_clip model on shapes-retrieval: same rows, same metrics."""
    import tiny_openclip

    from bench.registry import build_task
    from bench.tasking import DataOptions

    build_task("shapes-retrieval").load(DataOptions(limit=1))  # generate the data once
    model = tiny_openclip.build(tmp_path / "tiny-clip")
    env = {**toy_plugin, "OMP_NUM_THREADS": "1"}
    args = [
        "run",
        "--task",
        "shapes-retrieval",
        "--model",
        f"openclip:local-dir:{model}",
        "--limit",
        "60",
        "--batch-size",
        "8",
        "--quiet",
        "--no-cache",
        "--num-workers",
        "1",
        "--bootstrap",
        "100",
    ]
    one, two = _one_process_and_two_ranks(args, env, tmp_path, 29518)
    assert list(read_rows(one)) == list(read_rows(two))
    a, b = read_record(one), read_record(two)
    assert a.metrics == b.metrics
    assert a.errors == b.errors == []
    assert b.throughput.computed_items == a.throughput.computed_items == 60 + 5 * 60
    assert b.config["world_size"] == 2
