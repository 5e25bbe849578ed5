"""A rerun of a finished evaluation reuses its record and rows without loading the model.

End to end with a tiny random open_clip model on shapes-retrieval (and shapes-sentiment,
zero-shot): the reused record must be exactly what a prediction-cached rerun writes, apart
from the fields that describe the rerun itself and the speed measured when it was
computed; any change to what decides the result
must make the runner evaluate again.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tiny_openclip

import bench
from bench.adapters.openclip import OpenClipAdapter
from bench.adapters.providers import OpenClipHandle
from bench.records.io import SAMPLES_FILE, find_runs
from bench.records.schema import RunRecord
from bench.runner import keys, recording, reuse
from bench.runner.reuse import FinishedEvaluations
from bench.runner.throughput import END_TO_END_FIELDS

#: Fields of a record that describe the run that wrote it, not the evaluation.
VOLATILE = {"run_id", "started_at", "finished_at"}
VOLATILE_THROUGHPUT = {"wall_time_s", "peak_memory_bytes", *END_TO_END_FIELDS}


@pytest.fixture
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh modalbench cache sharing the session's generated shapes data."""
    shared = Path(os.environ["MODALBENCH_CACHE"]) / "shapes"
    shared.mkdir(parents=True, exist_ok=True)
    root = tmp_path / "cache"
    root.mkdir()
    (root / "shapes").symlink_to(shared, target_is_directory=True)
    monkeypatch.setenv("MODALBENCH_CACHE", str(root))
    return root


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_openclip.build(tmp_path_factory.mktemp("tiny-clip"))


def run(model: Path, out: Path, **options: Any) -> list[RunRecord]:
    settings: dict[str, Any] = {
        "tasks": ["shapes-retrieval"],
        "limit": 12,
        "bootstrap": 50,
        "num_workers": 0,
        "batch_size": 8,
        "progress": False,
    }
    settings.update(options)
    return bench.run(models=[f"openclip:local-dir:{model}"], out=out, **settings)


def folder_of(out: Path, record: RunRecord) -> Path:
    return next(out.rglob(record.run_id))


def comparable(folder: Path) -> dict[str, Any]:
    """A written record without the fields that describe the writing run or the speed
    measured by the run that computed it (compared separately)."""
    data: dict[str, Any] = json.loads((folder / "record.json").read_text())
    for key in VOLATILE:
        data.pop(key)
    for key in {*VOLATILE_THROUGHPUT, *reuse.MEASURED_FIELDS}:
        data["throughput"].pop(key)
    for stage in data["details"]["throughput_by_stage"].values():
        for key in reuse.MEASURED_STAGE_FIELDS:
            stage.pop(key)
    data["details"].pop("reused_from", None)
    data.pop("hardware")  # the reused record keeps the computing run's (checked apart)
    return data


def refuse_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    def load(self: OpenClipHandle, options: object) -> None:
        raise AssertionError("a finished evaluation must not load the model")

    monkeypatch.setattr(OpenClipHandle, "load", load)


def test_a_rerun_reuses_the_record_and_rows_without_loading_weights(
    cache_root: Path, model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tasks = ["shapes-retrieval", "shapes-sentiment"]
    computed = run(model_dir, tmp_path / "first", tasks=tasks)
    assert all(r.throughput.samples_per_s is not None for r in computed)
    # The same evaluations through the prediction cache alone (finished ones neither looked
    # up nor stored).
    with monkeypatch.context() as patch:
        patch.setattr(FinishedEvaluations, "get", lambda self, key: None)
        patch.setattr(FinishedEvaluations, "put", lambda self, key, folder: None)
        cached = run(model_dir, tmp_path / "cached", tasks=tasks)
    assert all(r.throughput.computed_items == 0 for r in cached)

    refuse_loading(monkeypatch)
    monkeypatch.setattr(recording, "hardware", lambda device: {"device": "this machine"})
    reused = run(model_dir, tmp_path / "reused", tasks=tasks)
    assert [r.task.name for r in reused] == tasks
    for first, through_cache, again in zip(computed, cached, reused, strict=True):
        assert again.details["reused_from"] == first.run_id
        assert again.run_id not in (first.run_id, through_cache.run_id)
        assert again.metrics == first.metrics
        # What this run did: nothing computed, everything from the cache...
        assert again.throughput.computed_items == 0
        assert again.throughput.model_time_s == 0.0
        assert again.throughput.n_batches == 0
        assert again.throughput.cached_items == (
            first.throughput.computed_items + first.throughput.cached_items
        )
        cached_folder = folder_of(tmp_path / "cached", through_cache)
        reused_folder = folder_of(tmp_path / "reused", again)
        assert comparable(reused_folder) == comparable(cached_folder)
        # ...while the model's speed is the one measured when it was computed, on the
        # hardware it was measured on.
        assert again.hardware == first.hardware
        for key in reuse.MEASURED_FIELDS:
            assert getattr(again.throughput, key) == getattr(first.throughput, key), key
        for name, stage in again.details["throughput_by_stage"].items():
            measured = first.details["throughput_by_stage"][name]
            assert measured["items_per_s"] is not None
            for key in reuse.MEASURED_STAGE_FIELDS:
                assert stage[key] == measured[key], (name, key)
        first_rows = (folder_of(tmp_path / "first", first) / SAMPLES_FILE).read_bytes()
        assert (reused_folder / SAMPLES_FILE).read_bytes() == first_rows


def test_records_keep_the_job_order_when_only_some_are_reused(
    cache_root: Path, model_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (sentiment,) = run(model_dir, tmp_path / "a", tasks=["shapes-sentiment"])
    caplog.set_level(logging.INFO, logger="modalbench")
    both = run(model_dir, tmp_path / "b", tasks=["shapes-retrieval", "shapes-sentiment"])
    assert f"nothing changed since run {sentiment.run_id}: reused it" in caplog.text
    assert [r.task.name for r in both] == ["shapes-retrieval", "shapes-sentiment"]
    assert "reused_from" not in both[0].details
    assert both[1].details["reused_from"] == sentiment.run_id


@pytest.mark.parametrize(
    ("change", "recomputes"),
    [
        ({"seed": 1}, True),
        ({"limit": 10}, True),
        ({"bootstrap": 60}, False),
        ({"batch_size": 4}, None),  # not part of the key: reused
    ],
)
def test_a_changed_run_option_evaluates_again(
    cache_root: Path,
    model_dir: Path,
    tmp_path: Path,
    change: dict[str, Any],
    recomputes: bool | None,
) -> None:
    run(model_dir, tmp_path / "first")
    (again,) = run(model_dir, tmp_path / "again", **change)
    if recomputes is None:
        assert "reused_from" in again.details
        return
    assert "reused_from" not in again.details
    # A new seed or sample set misses the prediction cache too; a new bootstrap does not.
    assert (again.throughput.computed_items > 0) is recomputes


def test_changed_weights_or_code_evaluate_again(
    cache_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = tiny_openclip.build(tmp_path / "model", seed=0)
    run(model, tmp_path / "first")
    other = tiny_openclip.build(tmp_path / "other", seed=1)
    weights = "open_clip_model.safetensors"
    shutil.copyfile(other / weights, model / weights)  # same folder, new weights
    (new_weights,) = run(model, tmp_path / "second")
    assert "reused_from" not in new_weights.details
    assert new_weights.throughput.computed_items > 0

    (same,) = run(model, tmp_path / "third")
    assert same.details["reused_from"] == new_weights.run_id

    real = keys.package_digest

    def edited(package: str) -> str | None:
        found = real(package)
        return None if found is None else found + ("-edited" if package == "bench" else "")

    monkeypatch.setattr(keys, "package_digest", edited)
    (after_edit,) = run(model, tmp_path / "fourth")
    assert "reused_from" not in after_edit.details
    # The prediction cache keys on the same code identity: nothing stale comes back.
    assert after_edit.throughput.computed_items > 0
    assert after_edit.throughput.cached_items == 0


def test_no_cache_neither_reads_nor_writes_finished_evaluations(
    cache_root: Path, model_dir: Path, tmp_path: Path
) -> None:
    run(model_dir, tmp_path / "first", use_cache=False)
    assert not (cache_root / "evaluations").exists()
    (stored,) = run(model_dir, tmp_path / "second")
    assert (cache_root / "evaluations").is_dir()
    (fresh,) = run(model_dir, tmp_path / "third", use_cache=False)
    assert "reused_from" not in fresh.details
    assert fresh.throughput.computed_items > 0
    assert fresh.metrics == stored.metrics


def test_an_evaluation_with_a_failed_model_call_is_not_stored(
    cache_root: Path, model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = OpenClipAdapter.embed_texts

    def first_text_fails(self: OpenClipAdapter, texts: Sequence[str]) -> np.ndarray:
        vectors = np.array(real(self, texts), dtype=np.float32)
        vectors[0] = np.nan  # one caption per batch: a per-item error, not a crash
        return vectors

    with monkeypatch.context() as patch:
        patch.setattr(OpenClipAdapter, "embed_texts", first_text_fails)
        (failed,) = run(model_dir, tmp_path / "first")
    assert failed.errors and all(e.stage != "data" for e in failed.errors)
    assert not (cache_root / "evaluations").exists()
    (retried,) = run(model_dir, tmp_path / "second")
    assert "reused_from" not in retried.details
    assert not retried.errors
    # Only the failed items were computed again; the rest came from the prediction cache.
    assert retried.throughput.computed_items == len(failed.errors)


@pytest.mark.parametrize("damage", ["record without stage counts", "rows cut short"])
def test_a_parseable_but_damaged_evaluation_is_evaluated_again(
    cache_root: Path,
    model_dir: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    damage: str,
) -> None:
    run(model_dir, tmp_path / "first")
    (stored,) = (cache_root / "evaluations").rglob("record.json")
    if damage == "rows cut short":
        rows = stored.parent / SAMPLES_FILE
        rows.write_text(rows.read_text()[:100])
    else:
        data = json.loads(stored.read_text())
        del data["details"]["throughput_by_stage"]
        stored.write_text(json.dumps(data))
    (again,) = run(model_dir, tmp_path / "second")
    assert "reused_from" not in again.details
    assert "damaged stored evaluation" in caplog.text
    assert find_runs(tmp_path / "second") == [folder_of(tmp_path / "second", again)]


def test_a_cache_that_cannot_store_does_not_fail_the_run(
    cache_root: Path, model_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (cache_root / "evaluations").write_text("a file where the folder should be")
    (record,) = run(model_dir, tmp_path / "first")
    assert "not stored" in caplog.text
    assert find_runs(tmp_path / "first") == [folder_of(tmp_path / "first", record)]


def test_a_damaged_stored_evaluation_is_evaluated_again(
    cache_root: Path, model_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    run(model_dir, tmp_path / "first")
    (stored_record,) = (cache_root / "evaluations").rglob("record.json")
    stored_record.write_text("{not json")
    (again,) = run(model_dir, tmp_path / "second")
    assert "reused_from" not in again.details
    assert "damaged stored evaluation" in caplog.text
    (third,) = run(model_dir, tmp_path / "third")  # the rerun stored it afresh
    assert third.details["reused_from"] == again.run_id
