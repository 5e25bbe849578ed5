"""``modalbench compare`` / ``bench.compare``: matching, verdicts, exit codes, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from report_fixtures import MEDIAN, FakeRun, Metric, accuracy_run, mean_rows

import bench
from bench.cli.main import main
from bench.records.io import RECORD_FILE, SAMPLES_FILE

N = 1000


def outcomes(n: int = N, seed: int = 0) -> np.ndarray:
    """About 60% correct, fixed by the seed."""
    return (np.random.default_rng(seed).random(n) < 0.6).astype(float)


def flip(correct: np.ndarray, k: int, to: float = 0.0) -> np.ndarray:
    """``correct`` with its first ``k`` items that are not ``to`` set to ``to``."""
    out = correct.copy()
    out[np.flatnonzero(correct != to)[:k]] = to
    return out


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["compare", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_two_runs_of_the_same_model_pass(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = accuracy_run(outcomes(), model="ref:m").write(tmp_path / "base")
    cand = accuracy_run(outcomes(), model="ref:m").write(tmp_path / "cand")
    code, out, _ = run_cli([str(base), str(cand), "--format", "json"], capsys)
    assert code == 0
    data = json.loads(out)
    metric = data["pairs"][0]["metrics"][0]
    assert metric["delta"] == 0.0 and metric["p_value"] == 1.0
    assert metric["verdict"] == "no significant change"
    assert data["regressed"] == [] and data["exit_code"] == 0


def test_a_degraded_model_fails_and_is_named(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    good = outcomes()
    accuracy_run(good, model="ref:m").write(tmp_path / "base")
    accuracy_run(flip(good, 30), model="ref:m-perturbed").write(tmp_path / "cand")
    code, out, _ = run_cli([str(tmp_path / "base"), str(tmp_path / "cand")], capsys)
    assert code == 1
    first = next(line for line in out.splitlines() if "REGRESSED" in line)
    assert "shapes-vqa accuracy" in first
    assert "-0.0300" in out  # 30 of 1000 answers lost


@pytest.mark.parametrize(
    ("max_drop", "code", "verdict"),
    [
        ("0.03", 0, "within tolerance"),
        # The drop (0.02) is larger than the tolerance but not significantly so: H0 "worse by
        # at most max-drop" stands (P(Binomial(1000, 0.02) <= 15) is about 0.16).
        ("0.015", 0, "within tolerance"),
        ("0.005", 1, "regressed"),
        ("0", 1, "regressed"),
    ],
)
def test_max_drop_is_a_one_sided_test_in_metric_units(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    max_drop: str,
    code: int,
    verdict: str,
) -> None:
    good = outcomes()
    base = accuracy_run(good).write(tmp_path / "b")
    cand = accuracy_run(flip(good, 20)).write(tmp_path / "c")  # -0.02, significant
    result, out, _ = run_cli(
        [str(base), str(cand), "--max-drop", max_drop, "--format", "json"], capsys
    )
    assert result == code
    metric = json.loads(out)["pairs"][0]["metrics"][0]
    assert metric["delta"] == pytest.approx(-0.02)
    assert metric["ci_high"] < 0  # significantly worse than the baseline in every case
    assert (metric["p_adjusted"] < 0.05) == (verdict == "regressed")
    assert metric["verdict"] == verdict


def test_a_small_unsystematic_change_is_not_significant(tmp_path: Path) -> None:
    good = outcomes()
    noisy = flip(flip(good, 3), 2, to=1.0)  # 3 lost, 2 gained: -0.001
    base = accuracy_run(good).write(tmp_path / "b")
    cand = accuracy_run(noisy).write(tmp_path / "c")
    report = bench.compare(base, cand)
    metric = report.pairs[0].metrics[0]
    assert metric.estimate is not None and metric.estimate.delta == pytest.approx(-0.001)
    # one-sided: about as many draws hold "no worse" as do not
    assert metric.estimate.p_value is not None and metric.estimate.p_value > 0.2
    assert metric.verdict.value == "no significant change"
    assert report.exit_code == 0


def test_improvement_and_lower_is_better(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    ranks = rng.integers(1, 20, N).astype(float)
    worse_ranks = ranks + (rng.random(N) < 0.3)  # some queries rank their image lower
    good = outcomes()

    def run(acc: np.ndarray, rank: np.ndarray) -> FakeRun:
        return FakeRun(
            task="shapes-retrieval",
            family="retrieval",
            metrics={
                "t2i_R@1": Metric(mean_rows(acc), unit="text"),
                "t2i_mean_rank": Metric(mean_rows(rank), unit="text", higher_is_better=False),
            },
            headline=["t2i_R@1", "t2i_mean_rank"],
        )

    base = run(good, ranks).write(tmp_path / "b")
    cand = run(flip(good, 40, to=1.0), worse_ranks).write(tmp_path / "c")
    report = bench.compare(base, cand)
    verdicts = {m.name: m.verdict.value for m in report.pairs[0].metrics}
    assert verdicts == {"t2i_R@1": "improved", "t2i_mean_rank": "regressed"}
    assert report.regressions == [("shapes-retrieval", "t2i_mean_rank")]
    assert report.exit_code == 1


def test_only_headline_metrics_gate(tmp_path: Path) -> None:
    good, other = outcomes(seed=0), outcomes(seed=1)

    def run(second: np.ndarray) -> FakeRun:
        return FakeRun(
            metrics={"accuracy": Metric(mean_rows(good)), "yes_no": Metric(mean_rows(second))},
            headline=["accuracy"],
        )

    base = run(other).write(tmp_path / "b")
    cand = run(flip(other, 100)).write(tmp_path / "c")
    report = bench.compare(base, cand)
    assert {m.name: m.verdict.value for m in report.pairs[0].metrics}["yes_no"] == "regressed"
    assert report.exit_code == 0


def test_multi_unit_runs_align_rows_by_sample_id(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    texts = mean_rows(outcomes(500))
    ranks = rng.integers(1, 30, (500, 1)).astype(float)
    images = mean_rows(outcomes(100, seed=4))
    text_ids = [f"img-{i // 5}#{i % 5}" for i in range(500)]
    image_ids = [f"img-{i}" for i in range(100)]

    def run(order: np.ndarray, image_order: np.ndarray) -> FakeRun:
        return FakeRun(
            task="shapes-retrieval",
            family="retrieval",
            metrics={
                "t2i_R@1": Metric(texts[order], unit="text"),
                "t2i_median_rank": Metric(
                    ranks[order], unit="text", aggregator=MEDIAN.id, higher_is_better=False
                ),
                "i2t_R@1": Metric(images[image_order], unit="image"),
            },
            ids={
                "text": [text_ids[i] for i in order],
                "image": [image_ids[i] for i in image_order],
            },
            headline=["t2i_R@1", "i2t_R@1"],
        )

    base = run(np.arange(500), np.arange(100)).write(tmp_path / "b")
    cand = run(rng.permutation(500), rng.permutation(100)).write(tmp_path / "c")
    report = bench.compare(base, cand)
    by_name = {m.name: m for m in report.pairs[0].metrics}
    assert {n: m.n for n, m in by_name.items()} == {
        "t2i_R@1": 500,
        "t2i_median_rank": 500,
        "i2t_R@1": 100,
    }
    for metric in by_name.values():
        assert metric.estimate is not None
        assert metric.estimate.delta == 0.0 and metric.estimate.p_value == 1.0


def test_results_folders_pair_by_task_then_model(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    good = outcomes()
    for root in ("base", "cand"):
        accuracy_run(good, model="ref:a").write(tmp_path / root)
    accuracy_run(good, model="ref:b").write(tmp_path / "base")
    accuracy_run(flip(good, 50), model="ref:b").write(tmp_path / "cand")
    accuracy_run(good, model="ref:c").write(tmp_path / "base")  # never re-run
    # an older, worse run of ref:a in the candidate folder is ignored (newest wins)
    accuracy_run(flip(good, 200), model="ref:a", finished_at="2020-01-01T00:00:00+00:00").write(
        tmp_path / "cand"
    )
    code, out, _ = run_cli([str(tmp_path / "base"), str(tmp_path / "cand")], capsys)
    assert code == 1
    report = bench.compare(tmp_path / "base", tmp_path / "cand")
    pairs = {
        (p.baseline.model, p.candidate.model): p.metrics[0].verdict.value for p in report.pairs
    }
    assert pairs == {("ref:a", "ref:a"): "no significant change", ("ref:b", "ref:b"): "regressed"}
    assert [r.model for r in report.only_baseline] == ["ref:c"]
    assert "only in the baseline: shapes-vqa `ref:c`" in out


def test_json_report_is_complete(tmp_path: Path) -> None:
    base = accuracy_run(outcomes()).write(tmp_path / "b")
    cand = accuracy_run(flip(outcomes(), 30)).write(tmp_path / "c")
    data = bench.compare(base, cand, alpha=0.01, max_drop=0.001, resamples=999, seed=3).to_json()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text)["settings"] == {
        "alpha": 0.01,
        "max_drop": 0.001,
        "resamples": 999,
        "seed": 3,
    }
    metric = data["pairs"][0]["metrics"][0]
    assert metric["baseline"] == pytest.approx(outcomes().mean())
    assert metric["ci_low"] < metric["delta"] < metric["ci_high"] < 0
    assert data["regressed"] == [{"task": "shapes-vqa", "metric": "accuracy"}]
    assert "paired bootstrap" in data["method"]


def test_results_are_seeded(tmp_path: Path) -> None:
    base = accuracy_run(outcomes()).write(tmp_path / "b")
    cand = accuracy_run(flip(outcomes(), 12)).write(tmp_path / "c")
    first = bench.compare(base, cand, seed=7).to_json()
    assert bench.compare(base, cand, seed=7).to_json() == first
    assert bench.compare(base, cand, seed=8).to_json() != first


# --- bad input: exit 2 with a one-line reason ------------------------------------------------


def _expect_usage_error(args: list[str], capsys, *needles: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run_cli(args, capsys)
    assert code == 2, out
    assert len(err.strip().splitlines()) == 1
    for needle in needles:
        assert needle in err


def test_different_data_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = accuracy_run(outcomes()).write(tmp_path / "b")
    cand = accuracy_run(outcomes(), fingerprint="b" * 64).write(tmp_path / "c")
    _expect_usage_error([str(base), str(cand)], capsys, "different data", "aaaaaaaaaaaa")


def test_missing_and_empty_folders(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = accuracy_run(outcomes()).write(tmp_path / "b")
    _expect_usage_error([str(base), str(tmp_path / "nope")], capsys, "no such results folder")
    (tmp_path / "empty").mkdir()
    _expect_usage_error([str(base), str(tmp_path / "empty")], capsys, "no run records found")


def test_no_task_in_common(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = accuracy_run(outcomes()).write(tmp_path / "b")
    cand = accuracy_run(outcomes(), task="shapes-other").write(tmp_path / "c")
    _expect_usage_error([str(base), str(cand)], capsys, "no run matches")


def test_other_schema_version_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = accuracy_run(outcomes()).write(tmp_path / "b")
    cand = accuracy_run(outcomes()).write(tmp_path / "c")
    data = json.loads((cand / RECORD_FILE).read_text())
    data["schema_version"] = 2
    (cand / RECORD_FILE).write_text(json.dumps(data))
    _expect_usage_error([str(base), str(cand)], capsys, "schema_version' is 2", str(cand))


def test_samples_that_do_not_reproduce_the_record(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = accuracy_run(outcomes()).write(tmp_path / "b")
    cand = accuracy_run(outcomes()).write(tmp_path / "c")
    data = json.loads((cand / RECORD_FILE).read_text())
    data["metrics"]["accuracy"]["value"] = 0.9
    (cand / RECORD_FILE).write_text(json.dumps(data))
    _expect_usage_error([str(base), str(cand)], capsys, "do not belong together", SAMPLES_FILE)


def test_rows_for_other_samples_are_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    base = accuracy_run(outcomes()).write(tmp_path / "b")
    ids = {"question": [f"q{i}" for i in range(N)]}
    cand = accuracy_run(outcomes(), ids=ids).write(tmp_path / "c")
    _expect_usage_error([str(base), str(cand)], capsys, "different question samples")


def test_unknown_aggregator(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    def run(headline: list[str]) -> FakeRun:
        return FakeRun(
            metrics={
                "accuracy": Metric(mean_rows(outcomes())),
                "odd": Metric(mean_rows([1, 0]), unit="example"),
            },
            headline=headline,
        )

    for side in ("b", "c"):
        folder = run(["accuracy"]).write(tmp_path / side)
        data = json.loads((folder / RECORD_FILE).read_text())
        data["metrics"]["odd"]["aggregator"] = "plugin-metric"
        (folder / RECORD_FILE).write_text(json.dumps(data))
    report = bench.compare(tmp_path / "b", tmp_path / "c")
    odd = next(m for m in report.pairs[0].metrics if m.name == "odd")
    assert odd.verdict.value == "untested" and "plugin-metric" in odd.note
    for side in ("b", "c"):
        record = next((tmp_path / side).rglob(RECORD_FILE))
        data = json.loads(record.read_text())
        data["headline"] = ["odd"]
        record.write_text(json.dumps(data))
    _expect_usage_error(
        [str(tmp_path / "b"), str(tmp_path / "c")], capsys, "cannot test headline metric 'odd'"
    )


@pytest.mark.parametrize(
    ("option", "needle"),
    [
        (["--alpha", "0"], "--alpha 0.0"),
        (["--alpha", "1.5"], "--alpha 1.5"),
        (["--max-drop", "-0.1"], "--max-drop -0.1"),
        (["--resamples", "10"], "too few"),
    ],
)
def test_bad_options(tmp_path: Path, capsys, option: list[str], needle: str) -> None:  # type: ignore[no-untyped-def]
    base = accuracy_run(outcomes()).write(tmp_path / "b")
    _expect_usage_error([str(base), str(base), *option], capsys, needle)


@pytest.mark.parametrize(
    ("ci", "p", "higher", "verdict"),
    [
        ((-0.03, -0.02), 0.01, True, "regressed"),  # the (adjusted) p decides a regression
        ((-0.03, -0.01), 0.05, True, "within tolerance"),  # p must be below alpha
        ((-0.03, 0.01), 0.5, True, "no significant change"),
        ((0.01, 0.03), 0.9, True, "improved"),
        ((0.01, 0.03), 0.01, False, "regressed"),  # lower is better: an increase is a drop
        ((-0.03, -0.01), 0.9, False, "improved"),
        ((0.01, 0.03), 0.9, False, "within tolerance"),
        ((-0.03, -0.01), None, True, "untested"),
        ((None, None), 0.01, True, "untested"),
    ],
)
def test_verdict_rules(
    ci: tuple[float | None, float | None], p: float | None, higher: bool, verdict: str
) -> None:
    from bench.report.compare import judge
    from bench.report.paired import PairedEstimate

    estimate = PairedEstimate(0.5, 0.48, -0.02, ci[0], ci[1], p, 100)
    assert judge(estimate, higher, p, 0.05).value == verdict
