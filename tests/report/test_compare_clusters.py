"""``compare`` resamples clusters, lists configuration differences, and adjusts with Holm."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from report_fixtures import FakeRun, Metric, accuracy_run, add_clusters, mean_rows

import bench
from bench.cli.main import main
from bench.errors import UsageError

IMAGES, PER_IMAGE = 200, 5


def image_outcomes(seed: int) -> tuple[np.ndarray, list[str]]:
    """Questions answered right or wrong image by image: the questions of an image agree."""
    rng = np.random.default_rng(seed)
    per_image = rng.random(IMAGES) < 0.6
    correct = np.repeat(per_image, PER_IMAGE).astype(float)
    return correct, [f"img{i // PER_IMAGE}" for i in range(IMAGES * PER_IMAGE)]


def test_correlated_questions_get_a_wider_paired_ci_when_clustered(tmp_path: Path) -> None:
    correct, images = image_outcomes(0)
    worse = correct.copy()
    lost = np.flatnonzero(correct[::PER_IMAGE])[:6]  # every question of 6 images lost
    worse[np.isin(np.arange(correct.size) // PER_IMAGE, lost)] = 0.0
    base = accuracy_run(correct).write(tmp_path / "b")
    cand = accuracy_run(worse).write(tmp_path / "c")
    plain = bench.compare(base, cand).pairs[0]
    add_clusters(base, "question", images)
    add_clusters(cand, "question", images)
    clustered = bench.compare(base, cand).pairs[0]
    assert plain.resampling[0].index is None
    assert "no cluster ids" in plain.resampling[0].note
    assert clustered.resampling[0].clusters == IMAGES
    e_plain, e_clustered = plain.metrics[0].estimate, clustered.metrics[0].estimate
    assert e_plain is not None and e_clustered is not None
    assert e_plain.delta == e_clustered.delta == pytest.approx(-0.03)
    assert e_plain.ci_low is not None and e_plain.ci_high is not None
    assert e_clustered.ci_low is not None and e_clustered.ci_high is not None
    # Five identical questions per image: the clustered interval is about sqrt(5) wider.
    ratio = (e_clustered.ci_high - e_clustered.ci_low) / (e_plain.ci_high - e_plain.ci_low)
    assert 1.6 < ratio < 3.0


def test_old_records_without_cluster_ids_fall_back_and_say_so(tmp_path: Path) -> None:
    correct, images = image_outcomes(1)
    base = accuracy_run(correct).write(tmp_path / "b")  # an old record: no cluster field
    cand = add_clusters(accuracy_run(correct).write(tmp_path / "c"), "question", images)
    report = bench.compare(base, cand)
    # The candidate's cluster ids are used for both runs (same data, same samples).
    assert report.pairs[0].resampling[0].clusters == IMAGES
    both_old = bench.compare(base, base)
    text = both_old.to_markdown()
    assert "resampled as independent rows (no cluster ids in samples.jsonl" in text
    assert both_old.exit_code == 0


def test_runs_that_cluster_the_same_samples_differently_are_refused(tmp_path: Path) -> None:
    correct, images = image_outcomes(2)
    base = add_clusters(accuracy_run(correct).write(tmp_path / "b"), "question", images)
    shuffled = images[1:] + images[:1]
    cand = add_clusters(accuracy_run(correct).write(tmp_path / "c"), "question", shuffled)
    with pytest.raises(UsageError, match="different clusters"):
        bench.compare(base, cand)


def test_configuration_differences_are_listed_first_and_do_not_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    correct, _ = image_outcomes(3)
    base = accuracy_run(correct).write(tmp_path / "b")
    other = accuracy_run(correct, versions={"python": "3.11", "torch": "2.6"})
    other.model_settings = {"dtype": "bf16"}
    cand = other.write(tmp_path / "c")
    record = json.loads((cand / "record.json").read_text())
    record["config"]["device"] = "cuda"
    record["hardware"]["device"] = "cuda"
    record["seed"] = 3
    (cand / "record.json").write_text(json.dumps(record))
    code = main(["compare", str(base), str(cand)])
    out = capsys.readouterr().out
    assert code == 0
    head = out.split("## shapes-vqa")[0]
    for needle in (
        "| config.device | cpu | cuda |",
        "| hardware.device | cpu | cuda |",
        "| versions.torch | 2.5 | 2.6 |",
        "| seed | 0 | 3 |",
        "| model.settings.dtype | fp32 | bf16 |",
    ):
        assert needle in head
    data = bench.compare(base, cand).to_json()
    fields = {d["field"] for d in data["differences"]}
    assert fields == {
        "config.device",
        "hardware.device",
        "versions.torch",
        "seed",
        "model.settings.dtype",
    }
    same = bench.compare(base, base).to_markdown()
    assert "No difference of configuration or environment" in same


def test_only_different_data_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    correct, _ = image_outcomes(4)
    base = accuracy_run(correct).write(tmp_path / "b")
    cand = accuracy_run(correct, fingerprint="b" * 64).write(tmp_path / "c")
    assert main(["compare", str(base), str(cand)]) == 2
    assert "different data" in capsys.readouterr().err


def _many_headline_run(drops: list[int], n: int = 2000) -> FakeRun:
    """One headline accuracy per entry of ``drops``, each losing that many answers."""
    metrics = {}
    for i, lost in enumerate(drops):
        correct = (np.random.default_rng(i).random(n) < 0.6).astype(float)
        correct[np.flatnonzero(correct)[:lost]] = 0.0
        metrics[f"acc{i}"] = Metric(mean_rows(correct))
    return FakeRun(metrics=metrics, headline=list(metrics))


def test_holm_keeps_a_lone_borderline_drop_from_failing_a_family(tmp_path: Path) -> None:
    base = _many_headline_run([0] * 10).write(tmp_path / "b")
    # acc0 loses 4 of 2000 answers and gains none: alone it is a significant drop (raw p is
    # about P(Binomial(2000, 4/2000) = 0) = 0.018), one of ten tests it is not.
    cand = _many_headline_run([4] + [0] * 9).write(tmp_path / "c")
    report = bench.compare(base, cand, alpha=0.05)
    acc0 = report.pairs[0].metrics[0]
    assert acc0.estimate is not None and acc0.estimate.p_value is not None
    assert acc0.estimate.p_value < 0.05
    assert acc0.p_adjusted is not None and acc0.p_adjusted >= 0.05
    assert acc0.p_adjusted == pytest.approx(min(1.0, 10 * acc0.estimate.p_value))
    assert acc0.verdict.value == "within tolerance"
    assert "before Holm" in acc0.note
    assert report.exit_code == 0
    alone = bench.compare(
        accuracy_run(_many_headline_run([0]).metrics["acc0"].stats[:, 0]).write(tmp_path / "b1"),
        accuracy_run(_many_headline_run([4]).metrics["acc0"].stats[:, 0]).write(tmp_path / "c1"),
    )
    assert alone.exit_code == 1


def test_too_few_resamples_for_the_family_is_refused(tmp_path: Path) -> None:
    base = _many_headline_run([0] * 10, n=50).write(tmp_path / "b")
    with pytest.raises(UsageError, match="over 10 headline test"):
        bench.compare(base, base, resamples=150)
