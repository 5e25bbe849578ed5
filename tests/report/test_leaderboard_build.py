"""Leaderboard specs, the board, the static site's files and bad input (no browser)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from report_fixtures import BOARD_SPEC, EVIL_MODEL, write_board_results

from bench.cli.main import main
from bench.errors import UsageError
from bench.records.io import RECORD_FILE
from bench.report.leaderboard import build_board, card_reported
from bench.report.leaderboard_spec import load_spec, parse_spec, resolve_spec_path
from bench.report.leaderboard_tasks import board_tasks
from bench.report.pareto import task_points
from bench.report.runs import load_runs
from bench.toml_compat import toml_reader

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "board.toml"
    path.write_text(BOARD_SPEC, encoding="utf-8")
    return path


@pytest.fixture
def results(tmp_path: Path) -> Path:
    return write_board_results(tmp_path / "results")


def test_board_order_aggregate_and_reported(spec_file: Path, results: Path) -> None:
    board = build_board(load_spec(spec_file), load_runs(results))
    # The evil model ran VQA only: no overall rank, listed last. Among a, b and C:
    # VQA ranks C 1, a 2, b 3; T2I ranks b 1, a 2, C 3: every mean rank is 2.0, and the
    # tie breaks on the display name.
    assert [(r.rank, r.name, r.aggregate) for r in board.rows] == [
        (1, "Model C", 2.0),
        (2, "ref:a", 2.0),
        (3, "ref:b", 2.0),
        (None, EVIL_MODEL, None),
    ]
    by_name = {r.name: r for r in board.rows}
    # the older, better run of ref:b is ignored: newest wins
    assert by_name["ref:b"].cells[0].value == 0.5
    evil = by_name[EVIL_MODEL]
    assert evil.cells[1].value is None
    assert evil.cells[1].note == "no comparable run of shapes-retrieval"
    # within the VQA column every model still has its place: C, a, evil, b
    assert [by_name[n].cells[0].rank for n in ("Model C", "ref:a", EVIL_MODEL, "ref:b")] == [
        1,
        2,
        3,
        4,
    ]
    assert [c.has_runs for c in board.columns] == [True, True, False]
    assert all(r.cells[2].value is None for r in board.rows)
    reported_a = by_name["ref:a"].cells[0]
    assert reported_a.reported is not None and reported_a.reported.source == "Paper A 2024, Table 1"
    assert reported_a.reported_delta == pytest.approx(0.75 - 0.7)
    # a reported number may name the model by its display name
    assert by_name["Model C"].cells[1].reported_delta == pytest.approx(0.30 - 0.35)
    assert [r.model for r in board.unreproduced] == ["ghost"]
    assert by_name["ref:b"].throughput == pytest.approx(400.0)


def test_sorting_filtering_and_normalized_aggregate(spec_file: Path, results: Path) -> None:
    text = BOARD_SPEC.replace('kind = "mean-rank"', 'kind = "normalized-mean"')
    text = text.replace(
        "[models]", '[sort]\nby = "t2i"\norder = "asc"\n\n[models]\nexclude = ["ref:b"]'
    )
    spec = parse_spec(toml_reader.loads(text), spec_file)
    board = build_board(spec, load_runs(results))
    # ascending T2I among the ranked a (0.6) and C (0.3); the evil model, unranked, is last
    assert [r.model for r in board.rows] == ["ref:c", "ref:a", EVIL_MODEL]
    # normalized over the ranked a and C: VQA (0.9 best, 0.75 worst) -> a 0, C 1;
    # T2I (0.6 best, 0.3 worst) -> a 1, C 0. Means: a 0.5, C 0.5; evil has none.
    aggregates = {r.model: r.aggregate for r in board.rows}
    assert aggregates == pytest.approx({"ref:a": 0.5, "ref:c": 0.5, EVIL_MODEL: None})


def test_dataset_card_reported_numbers_are_merged() -> None:
    with (ROOT / "tasks" / "cards" / "flickr30k-retrieval.toml").open("rb") as handle:
        card = toml_reader.load(handle)
    first = card["reported"][0]
    merged = card_reported(["flickr30k-retrieval", "no-such-task"])
    hit = next(r for r in merged if (r.model, r.metric) == (first["model"], first["metric"]))
    assert (hit.task, hit.value, hit.source) == (
        "flickr30k-retrieval",
        first["value"],
        first["source"],
    )


@pytest.mark.parametrize("name", ["shapes", "vl-core"])
def test_shipped_specs_name_real_tasks(name: str) -> None:
    spec = load_spec(ROOT / "leaderboards" / f"{name}.toml")
    cards = {p.stem for p in (ROOT / "tasks" / "cards").glob("*.toml")}
    assert {c.task for c in spec.columns} <= cards
    assert resolve_spec_path(name, ROOT / "leaderboards") == ROOT / "leaderboards" / f"{name}.toml"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.replace('title = "Test board"', ""), "missing field 'title'"),
        (
            lambda s: s.replace('label = "Sentiment"', 'colour = "red"'),
            "unknown field 'columns[2].colour'",
        ),
        (
            lambda s: s.replace('metric = "t2i_R@1"\nlabel', "label"),
            "missing field 'columns[1].metric'",
        ),
        (lambda s: s.replace('"mean-rank"', '"median"'), "field 'aggregate.kind' must be"),
        (
            lambda s: s.replace("[models]", '[sort]\nby = "nope"\n[models]'),
            "field 'sort.by' must be one of",
        ),
        (lambda s: s.replace('id = "t2i"', 'id = "vqa"'), "column id 'vqa' is used twice"),
        (
            lambda s: s.replace("value = 0.7", 'value = "high"'),
            "field 'reported[0].value' must be a number",
        ),
        (lambda s: s.replace("digits = 1", "digits = 1.5", 1), "field 'columns[0].digits'"),
        (
            lambda s: s.replace("scale = 100\ndigits = 1", "range = [1, 1]", 1),
            "field 'columns[0].range'",
        ),
        (lambda s: s + "\n[[columns]\n", "malformed TOML"),
    ],
)
def test_bad_specs_name_file_and_field(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.toml"
    path.write_text(change(BOARD_SPEC), encoding="utf-8")
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("]", r"\]")) as info:
        load_spec(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'title = "caf\xe9"\n', "not UTF-8 text"),
        (b"x = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "malformed TOML"),
    ],
)
def test_unreadable_spec_bytes_are_usage_errors(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    with pytest.raises(UsageError, match=message) as info:
        load_spec(path)
    assert str(path) in str(info.value)


def build(spec: Path, results: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> int:
    code = main(["leaderboard", "build", str(spec), "--results", str(results), "--out", str(out)])
    capsys.readouterr()
    return code


def test_site_files_and_downloads(spec_file: Path, results: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    assert build(spec_file, results, out, capsys) == 0
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {
        "index.html",
        "leaderboard.csv",
        "leaderboard.json",
        "leaderboard.md",
        "assets/site.css",
        "assets/site.js",
    } <= names
    assert len([n for n in names if n.startswith("models/")]) == 4
    assert not (out / "pareto.png").exists()  # one inline plot per task instead

    index = (out / "index.html").read_text()
    assert "<img src=x" not in index and "&lt;img src=x onerror=alert(1)&gt;" in index
    assert "Synthetic runs &lt;b&gt;not&lt;/b&gt; bold" in index
    assert "75.0" in index and "&Delta; +5.0" in index  # reproduced 75.0 vs reported 70.0
    # citations are numbered in order of appearance: Model C's comes first
    assert 'id="ref-1">Paper C 2025, Table 2<' in index
    assert 'id="ref-2">Paper A 2024, Table 1<' in index and 'href="#ref-2">[2]</a>' in index
    assert "No run yet for: Sentiment (shapes-sentiment accuracy)" in index

    csv = pd.read_csv(io.StringIO((out / "leaderboard.csv").read_text()))
    assert csv["model"].tolist() == ["ref:c", "ref:a", "ref:b", EVIL_MODEL]
    assert csv.loc[1, "vqa"] == 0.75 and csv.loc[1, "vqa reported_delta"] == pytest.approx(0.05)
    assert csv["sentiment"].isna().all()

    data = json.loads((out / "leaderboard.json").read_text())
    assert data["rows"][3]["cells"]["t2i"]["missing"] is True
    assert data["rows"][0]["cells"]["t2i"]["reported"] == {
        "value": 0.35,
        "source": "Paper C 2025, Table 2",
    }
    assert data["reported_without_runs"][0]["model"] == "ghost"

    markdown = (out / "leaderboard.md").read_text()
    assert "| - | &lt;img src=x onerror=alert(1)&gt; | - | 65.0 [" in markdown
    assert "## shapes-vqa" in markdown and "| rank in task | model | VQA accuracy |" in markdown
    assert "75.0 [" in markdown and "(reported 70.0, delta +5.0)" in markdown


def test_model_pages_show_every_setting_and_version(
    spec_file: Path, results: Path, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    assert build(spec_file, results, out, capsys) == 0
    board = build_board(load_spec(spec_file), load_runs(results))
    row = next(r for r in board.rows if r.model == EVIL_MODEL)
    page = (out / row.page).read_text()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    record = row.runs[0].record
    for key, value in {**record.versions, **record.config}.items():
        assert f'<th scope="row">{key}</th><td><code>{value}</code>' in page
    assert "settings.dtype" in page and "Question: {question} Answer:" in page
    assert record.task.fingerprint in page and record.run_id in page


def test_pareto_front_per_task(spec_file: Path, results: Path) -> None:
    board = build_board(load_spec(spec_file), load_runs(results))
    vqa, t2i, sentiment = board_tasks(board)
    points = {p.name: p.on_front for p in task_points(vqa)}
    # VQA: C 0.90 at 25/s, a 0.75 at 100/s, b 0.50 at 400/s, evil 0.65 at 50/s: a dominates
    # evil (better and faster); C is the best, b the fastest, a neither dominated.
    assert points == {"Model C": True, "ref:a": True, "ref:b": True, EVIL_MODEL: False}
    # T2I: b 0.80 at 400/s dominates a (0.60, 100/s) and C (0.30, 25/s)
    assert {p.name: p.on_front for p in task_points(t2i)} == {
        "ref:b": True,
        "ref:a": False,
        "Model C": False,
    }
    assert task_points(sentiment) == []
    assert {p.hardware for p in task_points(vqa)} == {"cpu fp32"}


def test_rebuild_replaces_only_a_modalbench_site(
    spec_file: Path, results: Path, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "site"
    assert build(spec_file, results, out, capsys) == 0
    (out / "models" / "stale.html").write_text("old")
    assert build(spec_file, results, out, capsys) == 0
    assert not (out / "models" / "stale.html").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    assert (
        main(
            ["leaderboard", "build", str(spec_file), "--results", str(results), "--out", str(mine)]
        )
        == 2
    )
    assert "not empty and was not built by modalbench" in capsys.readouterr().err
    assert (mine / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_bad_input_exits_2(spec_file: Path, results: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "empty").mkdir()
    args = ["leaderboard", "build", str(spec_file), "--out", str(tmp_path / "o")]
    assert main([*args, "--results", str(tmp_path / "empty")]) == 2
    assert "no run records found" in capsys.readouterr().err
    missing = ["leaderboard", "build", str(tmp_path / "nope.toml"), "--results", str(results)]
    assert main([*missing, "--out", str(tmp_path / "o")]) == 2
    assert "cannot read leaderboard spec" in capsys.readouterr().err
    record = next(results.rglob(RECORD_FILE))
    data = json.loads(record.read_text())
    data["schema_version"] = 7
    record.write_text(json.dumps(data))
    assert main([*args, "--results", str(results)]) == 2
    err = capsys.readouterr().err
    assert "schema_version' is 7" in err and str(record) in err
    assert not (tmp_path / "o").exists()


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("models", [["ref:solo"], ["ref:x", "ref:y"]])
def test_pareto_plot_of_tied_models_draws_cleanly(tmp_path: Path, models: list[str]) -> None:
    from report_fixtures import accuracy_run, exact

    from bench.report.site import build_site

    for model in models:  # same score, same speed: both plot axes are flat
        accuracy_run(exact(0.5), model=model).write(tmp_path / "results")
    spec = tmp_path / "s.toml"
    spec.write_text('title = "t"\n[[columns]]\ntask = "shapes-vqa"\nmetric = "accuracy"\n')
    summary = build_site(spec, tmp_path / "results", tmp_path / "site")
    assert summary.models == len(models)
    index = (tmp_path / "site" / "index.html").read_text()
    assert index.count("</title></circle>") == len(models) and "nan" not in index
