"""Leaderboards: comparable cells only, ranks within tasks, overall rank only when complete."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from report_fixtures import FakeRun, Metric, accuracy_run, exact, mean_rows

from bench.records.io import write_record
from bench.report.leaderboard import build_board
from bench.report.leaderboard_export import board_json, board_markdown
from bench.report.leaderboard_spec import parse_spec
from bench.report.leaderboard_tasks import board_tasks
from bench.report.runs import load_runs
from bench.toml_compat import toml_reader

FOUR_TASKS = """
title = "Four tasks"
[[columns]]
task = "shapes-captioning"
metric = "CIDEr"
[[columns]]
task = "shapes-vqa"
metric = "accuracy"
[[columns]]
task = "shapes-retrieval"
metric = "t2i_R@1"
[[columns]]
task = "shapes-sentiment"
metric = "accuracy"
"""
METRIC = {
    "shapes-captioning": "CIDEr",
    "shapes-vqa": "accuracy",
    "shapes-retrieval": "t2i_R@1",
    "shapes-sentiment": "accuracy",
}


def spec(text: str = FOUR_TASKS):  # type: ignore[no-untyped-def]
    return parse_spec(toml_reader.loads(text), Path("four.toml"))


def write(root: Path, task: str, model: str, fraction: float, **kw: object) -> Path:
    run = FakeRun(
        task=task,
        model=model,
        metrics={METRIC[task]: Metric(mean_rows(exact(fraction)))},
        headline=[METRIC[task]],
        **kw,  # type: ignore[arg-type]
    )
    return run.write(root)


def four_task_results(root: Path) -> Path:
    for task in METRIC:
        write(root, task, "ref:a", 0.6)
        write(root, task, "ref:b", 0.4)
    # the sentiment probe ran one task of four, and beats both there
    write(root, "shapes-sentiment", "ref:probe", 0.95)
    return root


def test_a_model_that_ran_one_task_of_four_gets_no_overall_rank(tmp_path: Path) -> None:
    board = build_board(spec(), load_runs(four_task_results(tmp_path)))
    assert [(r.model, r.rank) for r in board.rows] == [
        ("ref:a", 1),
        ("ref:b", 2),
        ("ref:probe", None),
    ]
    probe = board.rows[2]
    assert probe.aggregate is None
    # it keeps its place within the task it ran
    assert probe.cells[3].rank == 1 and board.rows[0].cells[3].rank == 2
    sentiment = board_tasks(board)[3]
    assert [(e.row.model, e.rank) for e in sentiment.entries] == [
        ("ref:probe", 1),
        ("ref:a", 2),
        ("ref:b", 3),
    ]
    assert "| - | ref:probe | - | missing" in board_markdown(board)


def limited_run(root: Path, task: str, model: str, fraction: float) -> Path:
    """A --limit 20 run with its own subset fingerprint, written as the runner would."""
    run = FakeRun(
        task=task,
        model=model,
        fingerprint="d" * 64,
        metrics={METRIC[task]: Metric(mean_rows(exact(fraction)))},
        headline=[METRIC[task]],
        finished_at="2026-12-01T00:00:00+00:00",
    )
    folder = run.write(root)
    record = run.record()
    subset = {"rule": "seeded-stratified", "stratify": "label", "seed": 0, "n": 20, "of": 600}
    task_section = replace(record.task, limited=True, subset=subset)
    write_record(folder, replace(record, task=task_section, config={"limit": 20}))
    return folder


def test_limited_runs_leave_the_leaderboard_unchanged(tmp_path: Path) -> None:
    results = four_task_results(tmp_path / "results")
    before = build_board(spec(), load_runs(results))
    # a better quick run of a ranked model, and a quick run of a model with no full run
    limited_run(results, "shapes-sentiment", "ref:b", 1.0)
    limited_run(results, "shapes-sentiment", "ref:quick", 1.0)
    after = build_board(spec(), load_runs(results))
    assert board_json(after) == board_json(before)
    assert board_markdown(after) == board_markdown(before)


def test_include_partial_shows_them_marked_and_unranked(tmp_path: Path) -> None:
    results = four_task_results(tmp_path / "results")
    limited_run(results, "shapes-sentiment", "ref:b", 1.0)
    limited_run(results, "shapes-sentiment", "ref:quick", 1.0)
    board = build_board(spec(), load_runs(results), include_partial=True)
    rows = {r.model: r for r in board.rows}
    assert rows["ref:b"].cells[3].value == 0.4 and not rows["ref:b"].cells[3].partial
    quick = rows["ref:quick"].cells[3]
    assert quick.value == 1.0 and quick.rank is None and rows["ref:quick"].rank is None
    assert "n=20 of 600" in quick.partial and "data dddddddddddd" in quick.partial
    text = board_markdown(board)
    quick_row = "| - | ref:quick | - | missing | missing | missing | 1.000 [1.000, 1.000] \u2020 |"
    assert quick_row in text
    assert "\u2020 ref:quick, shapes-sentiment accuracy: --limit run" in text
    cell = json.loads(json.dumps(board_json(board)))["rows"][-1]["cells"]
    assert cell["shapes-sentiment/accuracy"]["partial"].startswith("--limit run")
    # the probe still ranks first within sentiment; the quick run takes no place
    sentiment = board_tasks(board)[3]
    assert (sentiment.entries[0].row.model, sentiment.entries[0].rank) == ("ref:probe", 1)
    assert [e.rank for e in sentiment.entries if e.row.model == "ref:quick"] == [None]


def test_runs_on_different_fingerprints_never_share_a_column(tmp_path: Path) -> None:
    results = tmp_path / "results"
    board_spec = spec('title = "t"\n[[columns]]\ntask = "shapes-vqa"\nmetric = "accuracy"\n')
    for model, fraction in (("ref:a", 0.6), ("ref:b", 0.4), ("ref:d", 0.5)):
        accuracy_run(exact(fraction), model=model).write(results)
    # most models ran the reference data; ref:c evaluated other data, and ref:a's newer
    # run on that data must not replace its cell
    accuracy_run(exact(0.9), model="ref:c", fingerprint="e" * 64).write(results)
    newer = "2026-12-24T00:00:00+00:00"
    accuracy_run(exact(0.95), model="ref:a", fingerprint="e" * 64, finished_at=newer).write(results)
    board = build_board(board_spec, load_runs(results))
    values = {r.model: r.cells[0].value for r in board.rows}
    assert values == {"ref:a": 0.6, "ref:b": 0.4, "ref:d": 0.5}
    fingerprints = {run.record.task.fingerprint for r in board.rows for run in r.runs}
    assert fingerprints == {"a" * 64}
    marked = build_board(board_spec, load_runs(results), include_partial=True)
    cells = {r.model: r.cells[0] for r in marked.rows}
    assert cells["ref:a"].value == 0.6 and cells["ref:c"].partial.startswith("other data")
    assert [r.rank for r in marked.rows] == [1, 2, 3, None]
