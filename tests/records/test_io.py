"""RunRecord writing/reading: atomicity, validation messages, the JSON Schema."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from bench.errors import UsageError
from bench.records.io import (
    RECORD_FILE,
    SAMPLES_FILE,
    find_runs,
    new_run_id,
    read_record,
    read_rows,
    slug,
    write_run,
)
from bench.records.schema import (
    ErrorEntry,
    MetricEntry,
    ModelSection,
    RunRecord,
    TaskSection,
    Throughput,
)
from bench.tasking import SampleRow

SCHEMA = json.loads(
    (Path(__file__).parents[2] / "bench" / "records" / "runrecord.schema.json").read_text()
)


def make_record(**changes: object) -> RunRecord:
    record = RunRecord(
        run_id=new_run_id(),
        task=TaskSection(
            "shapes-vqa",
            "vqa",
            "shapes-vqa.toml",
            "test",
            "builtin:shapes",
            "a" * 64,
            3,
            "CC0-1.0",
            {"max_new_tokens": 8},
        ),
        model=ModelSection("ref:x", "pkg.Adapter", "f" * 64, {"dtype": "fp32"}, ["Generator"]),
        metrics={"accuracy": MetricEntry(0.5, 0.25, float("nan"), True, "mean", "question")},
        headline=["accuracy"],
        details={"per_answer_type": {"yes/no": 0.5}},
        n_failed=1,
        errors=[ErrorEntry("q2", "answer", "empty generation")],
        throughput=Throughput(
            10.0, 10.0, 0.1, 0.2, 3, 1, 0.3, 1.0, 32, 32, 0, 3, 1000, "process_peak_rss"
        ),
        config={"batch_size": 32},
        hardware={"device": "cpu"},
        versions={"python": "3.11"},
        seed=0,
        started_at="2026-11-29T10:00:00+00:00",
        finished_at="2026-11-29T10:00:05+00:00",
    )
    return replace(record, **changes)  # type: ignore[arg-type]


ROWS = [
    SampleRow("question", "q1", "yes", None, {"accuracy": [1.0, 1.0]}),
    SampleRow("question", "q2", None, "empty generation", {"accuracy": [0.0, 1.0]}),
]


def test_round_trip_and_schema(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    write_run(folder, make_record(), ROWS)
    data = json.loads((folder / RECORD_FILE).read_text())
    jsonschema.validate(data, SCHEMA)
    # NaN is never written: the non-finite CI bound became null
    assert data["metrics"]["accuracy"]["ci_high"] is None
    record = read_record(folder)
    assert record.metrics["accuracy"].value == 0.5
    assert record.errors == [ErrorEntry("q2", "answer", "empty generation")]
    assert [r["id"] for r in read_rows(folder)] == ["q1", "q2"]


def test_interrupted_runs_are_invisible(tmp_path: Path) -> None:
    done = tmp_path / "t" / "m" / "a"
    write_run(done, make_record(), ROWS)
    half = tmp_path / "t" / "m" / "b"
    half.mkdir(parents=True)
    (half / SAMPLES_FILE).write_text('{"unit": "question"')  # killed mid-write
    (half / f".{RECORD_FILE}.xyz.tmp").write_text("{")
    assert find_runs(tmp_path) == [done]
    assert not list(done.glob("*.tmp"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("task"), "missing field 'task'"),
        (lambda d: d["model"].pop("fingerprint"), "missing field 'model.fingerprint'"),
        (lambda d: d["metrics"]["accuracy"].update(value="high"), "metrics.accuracy.value"),
        (lambda d: d.update(schema_version=99), "schema_version' is 99"),
        (lambda d: d["throughput"].update(extra=1), "unknown field 'throughput.extra'"),
        (lambda d: d.update(errors={}), "field 'errors' must be a list"),
    ],
)
def test_bad_records_name_file_and_field(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "run"
    write_run(folder, make_record(), ROWS)
    data = json.loads((folder / RECORD_FILE).read_text())
    mutate(data)
    (folder / RECORD_FILE).write_text(json.dumps(data))
    with pytest.raises(UsageError, match=message) as info:
        read_record(folder)
    assert str(folder / RECORD_FILE) in str(info.value)


def test_malformed_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / RECORD_FILE
    path.write_text('{\n  "run_id": \n')
    with pytest.raises(UsageError, match=r"record.json: malformed JSON at line 3"):
        read_record(path)


def test_slug_is_filesystem_safe() -> None:
    assert slug("hf:/tmp/my model/") == "hf__tmp_my_model"
    assert slug("openclip:ViT-B-32/openai") == "openclip_ViT-B-32_openai"
    assert slug("../..") == "unnamed"
