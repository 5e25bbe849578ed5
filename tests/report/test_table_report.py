"""``modalbench table`` / ``bench.table``: layout, newest runs, formats, escaping, bad input."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from report_fixtures import FakeRun, Metric, accuracy_run, mean_rows

import bench
from bench.cli.main import main
from bench.errors import UsageError
from bench.records.io import RECORD_FILE
from bench.records.schema import MetricEntry, RunRecord
from bench.report.table import render_table


def record(
    task: str, model: str, metrics: dict[str, tuple[float, float, float]], **changes: object
) -> RunRecord:
    """A record whose metric values and CIs are set by hand."""
    names = list(metrics)
    base = FakeRun(
        task=task,
        model=model,
        metrics={n: Metric(mean_rows([1.0, 0.0])) for n in names},
        headline=names,
    ).record()
    entries = {
        n: MetricEntry(v, lo, hi, True, "mean", "question") for n, (v, lo, hi) in metrics.items()
    }
    return replace(base, metrics=entries, **changes)  # type: ignore[arg-type]


def sample_records() -> list[RunRecord]:
    return [
        record("shapes-vqa", "ref:b", {"accuracy": (0.5, 0.25, 0.75)}),
        record(
            "shapes-retrieval",
            "ref:a",
            {"t2i_R@1": (0.125, 0.1, 0.15), "i2t_R@1": (0.2, 0.18, 0.22)},
        ),
        record("shapes-vqa", "ref:a", {"accuracy": (0.875, 0.85, 0.9)}),
    ]


def test_markdown_one_table_per_task_hand_checked() -> None:
    text = render_table(sample_records(), "md")
    assert text.splitlines() == [
        "## shapes-retrieval",
        "",
        "split test, n=2, data aaaaaaaaaaaa",
        "",
        "| model | t2i_R@1 | i2t_R@1 | n | failed | model-time samples/s | hardware |",
        "|---|---|---|---|---|---|---|",
        "| ref:a | 0.125 [0.100, 0.150] | 0.200 [0.180, 0.220] | 2 | 0 | 100.0 | cpu fp32 |",
        "",
        "## shapes-vqa",
        "",
        "split test, n=2, data aaaaaaaaaaaa",
        "",
        "| model | accuracy | n | failed | model-time samples/s | hardware |",
        "|---|---|---|---|---|---|",
        "| ref:a | 0.875 [0.850, 0.900] | 2 | 0 | 100.0 | cpu fp32 |",
        "| ref:b | 0.500 [0.250, 0.750] | 2 | 0 | 100.0 | cpu fp32 |",
    ]


def test_wide_keeps_the_model_by_task_layout() -> None:
    text = render_table(sample_records(), "md", wide=True)
    assert text.splitlines() == [
        "| model | shapes-retrieval t2i_R@1 | shapes-retrieval i2t_R@1"
        " | shapes-retrieval model-time samples/s | shapes-retrieval failed"
        " | shapes-vqa accuracy | shapes-vqa model-time samples/s | shapes-vqa failed |",
        "|---|---|---|---|---|---|---|---|",
        "| ref:a | 0.125 [0.100, 0.150] | 0.200 [0.180, 0.220] | 100.0 | 0 | 0.875 [0.850, 0.900]"
        " | 100.0 | 0 |",
        "| ref:b | - | - | - | - | 0.500 [0.250, 0.750] | 100.0 | 0 |",
    ]
    data = pd.read_csv(io.StringIO(render_table(sample_records(), "csv", wide=True)), index_col=0)
    assert data.loc["ref:a", "shapes-vqa accuracy ci_low"] == 0.85
    assert pd.isna(data.loc["ref:b", "shapes-retrieval t2i_R@1"])


def test_newest_run_of_each_pair_wins() -> None:
    old = record("shapes-vqa", "ref:a", {"accuracy": (0.1, 0.0, 0.2)}, finished_at="2026-01-01")
    new = record("shapes-vqa", "ref:a", {"accuracy": (0.9, 0.8, 1.0)}, finished_at="2026-02-01")
    assert "0.900 [0.800, 1.000]" in render_table([new, old], "md")
    assert "0.100" not in render_table([old, new], "md")


def test_csv_is_the_long_numeric_format() -> None:
    data = pd.read_csv(io.StringIO(render_table(sample_records(), "csv")))
    assert list(data.columns) == [
        "task",
        "model",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "n",
        "failed",
        "model_time_samples_per_s",
        "end_to_end_samples_per_s",
        "hardware",
        "fingerprint",
        "partial",
    ]
    rows = data.set_index(["task", "model", "metric"])
    assert rows.loc[("shapes-vqa", "ref:a", "accuracy"), "value"] == 0.875
    assert rows.loc[("shapes-vqa", "ref:a", "accuracy"), "ci_low"] == 0.85
    assert rows.loc[("shapes-retrieval", "ref:a", "i2t_R@1"), "ci_high"] == 0.22
    assert len(data) == 4  # no line for a (model, task) pair that did not run
    assert data["end_to_end_samples_per_s"].isna().all()


def test_unmeasured_throughput_is_a_dash() -> None:
    rec = record("shapes-vqa", "ref:a", {"accuracy": (0.5, 0.4, 0.6)})
    cached = replace(rec, throughput=replace(rec.throughput, samples_per_s=None))
    assert "| 0.500 [0.400, 0.600] | 2 | 0 | - | cpu fp32 |" in render_table([cached], "md")


def test_end_to_end_rate_is_shown_and_labelled_when_recorded() -> None:
    rec = record("shapes-vqa", "ref:a", {"accuracy": (0.5, 0.4, 0.6)})
    newer = replace(rec, throughput=replace(rec.throughput, end_to_end_samples_per_s=42.0))
    text = render_table([newer], "md")
    assert "| model-time samples/s | end-to-end samples/s | hardware |" in text
    assert "| 100.0 | 42.0 | cpu fp32 |" in text
    assert "end-to-end" not in render_table([rec], "md")


EVIL = "<img src=x onerror=alert(1)>|=cmd"


@pytest.mark.parametrize(
    ("fmt", "name", "present", "absent"),
    [
        ("md", EVIL, "&lt;img src=x onerror=alert(1)&gt;\\|=cmd", "<img"),
        ("html", EVIL, "&lt;img src=x onerror=alert(1)&gt;|=cmd", "<img"),
        ("latex", "100_pct%", "100\\_pct\\%", "100_pct%"),
        # a spreadsheet would run this cell as a formula
        ("csv", "=HYPERLINK(1)", ",'=HYPERLINK(1),accuracy,0.5", ",=HYPERLINK"),
    ],
)
def test_text_is_escaped_for_each_format(fmt: str, name: str, present: str, absent: str) -> None:
    text = render_table([record("shapes-vqa", name, {"accuracy": (0.5, 0.4, 0.6)})], fmt)
    assert present in text
    assert absent not in text


def test_unknown_format() -> None:
    with pytest.raises(UsageError, match="--format txt"):
        render_table(sample_records(), "txt")


def test_python_api_and_cli_agree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    accuracy_run([1.0, 0.0, 1.0, 1.0], model="ref:a").write(tmp_path)
    assert main(["table", str(tmp_path), "--format", "md"]) == 0
    assert capsys.readouterr().out.strip() == bench.table(tmp_path, "md")
    assert "| ref:a | 0.750 [" in bench.table(tmp_path)
    assert main(["table", str(tmp_path), "--wide"]) == 0
    assert capsys.readouterr().out.strip() == bench.table(tmp_path, wide=True)


def test_bad_results_folders(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["table", str(tmp_path / "missing")]) == 2
    assert "no such results folder" in capsys.readouterr().err
    (tmp_path / "empty" / "half-run").mkdir(parents=True)  # an interrupted run: no record
    assert main(["table", str(tmp_path / "empty")]) == 2
    assert "no run records found" in capsys.readouterr().err
    folder = accuracy_run([1.0, 0.0]).write(tmp_path / "old")
    data = json.loads((folder / RECORD_FILE).read_text())
    data["schema_version"] = 0
    (folder / RECORD_FILE).write_text(json.dumps(data))
    assert main(["table", str(tmp_path / "old")]) == 2
    err = capsys.readouterr().err
    assert "schema_version' is 0" in err and str(folder / RECORD_FILE) in err
