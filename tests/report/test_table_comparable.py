"""Only comparable runs fill a table cell; partial ones are left out or marked."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from report_fixtures import accuracy_run, exact

from bench.cli.main import main
from bench.records.schema import RunRecord
from bench.report.table import render_table

FULL = "a" * 64
SUBSET = "b" * 64
OTHER = "c" * 64


def full_run(model: str, fraction: float, fingerprint: str = FULL, **kw: object) -> RunRecord:
    return accuracy_run(exact(fraction, 20), model=model, fingerprint=fingerprint, **kw).record()


def limited(rec: RunRecord, *, old_style: bool = False) -> RunRecord:
    """``rec`` as a --limit 5 run (old-style: written before ``task.limited`` existed)."""
    subset = {"rule": "seeded-stratified", "stratify": "meta.answer_type", "seed": 0}
    task = replace(rec.task, fingerprint=SUBSET, n_samples=5)
    if not old_style:
        task = replace(task, limited=True, subset={**subset, "n": 5, "of": 20})
    return replace(
        rec,
        task=task,
        config={**rec.config, "limit": 5},
        finished_at="2026-12-01T00:00:00+00:00",  # newer than the full run
    )


def test_a_limited_run_next_to_a_full_run_leaves_every_format_unchanged() -> None:
    full = [full_run("ref:a", 0.6), full_run("ref:b", 0.4)]
    quick = limited(full_run("ref:a", 1.0))
    for fmt in ("md", "csv", "html", "latex"):
        for wide in (False, True):
            before = render_table(full, fmt, wide=wide)
            after = render_table([*full, quick], fmt, wide=wide)
            assert after == before, (fmt, wide)
    assert "1.000" not in render_table([*full, quick], "md")


def test_records_written_before_the_limited_field_count_as_limited() -> None:
    full = [full_run("ref:a", 0.6)]
    quick = limited(full_run("ref:a", 1.0), old_style=True)
    assert quick.task.limited is None and quick.config["limit"] == 5
    md = render_table
    assert md([*full, quick], "md") == md(full, "md")


def test_include_partial_shows_the_limited_run_marked_with_n_and_fingerprint() -> None:
    full = [full_run("ref:a", 0.6)]
    quick = limited(full_run("ref:a", 1.0))
    text = render_table([*full, quick], "md", include_partial=True)
    lines = text.splitlines()
    assert "| ref:a | 0.600 [" in text  # the full run keeps its row
    marked = [line for line in lines if line.startswith("| ref:a \u2020 |")]
    assert len(marked) == 1 and "| 1.000 [" in marked[0] and "| 5 |" in marked[0]
    footnote = next(line for line in lines if line.startswith("\u2020 ref:a:"))
    assert "n=5 of 20" in footnote and "seeded-stratified" in footnote
    assert "data bbbbbbbbbbbb" in footnote
    csv = pd.read_csv(io.StringIO(render_table([*full, quick], "csv", include_partial=True)))
    flagged = csv[csv["partial"].notna()]
    assert list(flagged["value"]) == [1.0] and list(flagged["fingerprint"]) == [SUBSET]


def test_runs_on_different_fingerprints_never_share_a_cell() -> None:
    # Three models agree on the reference data; ref:c ran on other data only. ref:a's newer
    # run on the other data does not replace its run on the reference data either.
    records = [
        full_run("ref:a", 0.6),
        full_run("ref:b", 0.4),
        full_run("ref:d", 0.5),
        full_run("ref:c", 0.9, OTHER),
        full_run("ref:a", 0.95, OTHER, finished_at="2026-12-24T00:00:00+00:00"),
    ]
    csv = pd.read_csv(io.StringIO(render_table(records, "csv")))
    assert set(csv["fingerprint"]) == {FULL}
    assert dict(zip(csv["model"], csv["value"], strict=True)) == {
        "ref:a": 0.6,
        "ref:b": 0.4,
        "ref:d": 0.5,
    }
    shown = render_table(records, "csv", include_partial=True)
    every = pd.read_csv(io.StringIO(shown))
    for model, rows in every.groupby("model"):
        # a model with runs on two data sets gets two rows, each with one fingerprint
        assert len(set(rows["fingerprint"])) == len(rows), model
    other = every[every["fingerprint"] == OTHER]
    assert other["partial"].str.startswith("other data").all()
    text = render_table(records, "md", include_partial=True)
    assert "data cccccccccccc (the table's is aaaaaaaaaaaa)" in text


def test_a_run_over_its_max_failures_is_left_out() -> None:
    ok = full_run("ref:a", 0.6)
    failing = replace(full_run("ref:b", 0.9), n_failed=3, config={"max_failures": 0.1})
    tolerated = replace(full_run("ref:c", 0.5), n_failed=1, config={"max_failures": 0.1})
    text = render_table([ok, failing, tolerated], "md")
    assert "ref:b" not in text and "ref:c" in text
    marked = render_table([ok, failing, tolerated], "md", include_partial=True)
    assert "\u2020 ref:b: 3 of n=20 samples failed (above --max-failures 0.1)" in marked


def test_cli_says_what_it_left_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    accuracy_run(exact(0.6), model="ref:a").write(tmp_path)
    quick = accuracy_run(exact(1.0), model="ref:a", fingerprint=SUBSET)
    folder = quick.write(tmp_path / "quick")
    from bench.records.io import write_record

    write_record(folder, limited(quick.record()))
    assert main(["table", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert "0.600" in out and "1.000" not in out
    assert "1 partial run" in err and "--include-partial" in err
    assert main(["table", str(tmp_path), "--include-partial"]) == 0
    out, err = capsys.readouterr()
    assert "| ref:a \u2020 | 1.000 [" in out and err == ""


def test_only_partial_runs_say_so_instead_of_a_table() -> None:
    quick = limited(full_run("ref:a", 1.0))
    assert render_table([quick], "md") == (
        "no comparable run to show (1 partial; --include-partial shows them, marked)"
    )
    assert "| ref:a \u2020 | 1.000 [" in render_table([quick], "md", include_partial=True)
