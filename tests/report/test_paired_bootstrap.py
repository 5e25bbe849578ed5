"""The paired bootstrap: hand-worked one-sided p-values, exact binomial cases, a naive
reference, Holm's procedure against its textbook statement."""

from __future__ import annotations

import numpy as np
import pytest
from report_fixtures import MEDIAN, RATIO, mean_rows
from scipy import stats as scipy_stats

from bench.metrics import base
from bench.metrics.base import MEAN, MetricStats, resample_counts
from bench.report.paired import holm_adjust, paired_bootstrap, regression_p_value


@pytest.mark.parametrize(
    ("gains", "max_drop", "expected"),
    [
        # 3 of 4 draws hold H0 (gain >= 0), B = 4: (3 + 1) / 5
        ([-1.0, 1.0, 2.0, 3.0], 0.0, 0.8),
        # every draw is a drop beyond the tolerance, B = 99: the floor 1 / 100
        ([-1.0] * 99, 0.5, 0.01),
        # a draw exactly at -max_drop holds H0: (9 + 1) / 10 capped at 1
        ([-0.5] * 9, 0.5, 1.0),
        # 3 of 19 draws within the tolerance of 1: (3 + 1) / 20
        ([-0.5] * 3 + [-2.0] * 16, 1.0, 0.2),
        # identical runs: every gain is 0, H0 holds for any tolerance
        ([0.0] * 9, 0.0, 1.0),
    ],
)
def test_p_value_hand_worked(gains: list[float], max_drop: float, expected: float) -> None:
    assert regression_p_value(np.asarray(gains), max_drop) == pytest.approx(expected)


def _holm_oracle(p: list[float], alpha: float) -> list[bool]:
    """Holm (1979) as stated: step down the sorted p-values while p_(i) <= alpha/(m-i+1)."""
    order = np.argsort(p, kind="stable")
    reject = [False] * len(p)
    for i, index in enumerate(order):
        if p[index] > alpha / (len(p) - i):
            break
        reject[index] = True
    return reject


@pytest.mark.parametrize("seed", range(20))
def test_holm_adjusted_p_values_reject_what_holm_rejects(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = list(rng.choice([0.001, 0.004, 0.01, 0.02, 0.03, 0.2], size=int(rng.integers(1, 9))))
    adjusted = holm_adjust(p)
    for alpha in (0.01, 0.025, 0.05, 0.1):
        # adjusted p <= alpha is the same decision as the step-down rule
        assert [a <= alpha for a in adjusted] == _holm_oracle(p, alpha)
    assert all(a >= raw for a, raw in zip(adjusted, p, strict=True))


def test_holm_worked_example() -> None:
    # Sorted 0.01, 0.02, 0.03 of m = 3: 3 * 0.01, max(0.03, 2 * 0.02), max(0.04, 0.03)
    assert holm_adjust([0.03, 0.01, 0.02]) == pytest.approx([0.04, 0.03, 0.04])


def test_resample_counts_are_seeded_chunked_multisets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "CHUNK_ELEMENTS", 7 * 5)  # chunks of 5 rows of n = 7
    chunks = list(resample_counts(7, 23, (1, 2)))
    assert [c.shape for c in chunks] == [(5, 7)] * 4 + [(3, 7)]
    counts = np.concatenate(chunks)
    assert (counts.sum(axis=1) == 7).all()
    assert (counts >= 0).all()
    again = np.concatenate(list(resample_counts(7, 23, (1, 2))))
    assert np.array_equal(counts, again)
    other = np.concatenate(list(resample_counts(7, 23, (1, 3))))
    assert not np.array_equal(counts, other)


def test_resample_counts_have_multinomial_moments() -> None:
    counts = np.concatenate(list(resample_counts(50, 4000, (0,))))
    # multinomial(n, 1/n): mean 1 and variance (1 - 1/n) per index
    assert counts.mean() == pytest.approx(1.0)
    assert counts.var(axis=0).mean() == pytest.approx(1 - 1 / 50, abs=0.03)


def _mean_metric(scores: np.ndarray) -> MetricStats:
    return MetricStats("accuracy", True, mean_rows(scores), MEAN, "question")


def test_paired_flips_match_the_exact_binomial_distribution() -> None:
    n, flipped = 1000, 10
    base = np.tile([1.0, 0.0], n // 2)
    cand = base.copy()
    cand[np.flatnonzero(base)[:flipped]] = 0.0
    # Every draw's delta is -K/n where K ~ Binomial(n, flipped/n) counts picks of a flipped item.
    est = paired_bootstrap(
        _mean_metric(base), _mean_metric(cand), resamples=4000, seed=(0,), level=0.95
    )
    assert est.delta == pytest.approx(-0.01)
    k_low, k_high = scipy_stats.binom.ppf([0.025, 0.975], n, flipped / n)
    assert est.ci_low == pytest.approx(-k_high / n, abs=1.5 / n)
    assert est.ci_high == pytest.approx(-k_low / n, abs=1.5 / n)
    # P(K = 0) = 0.99^1000 ~ 4e-5: essentially no draw reaches 0, so p sits at its floor.
    assert est.p_value is not None and est.p_value <= 3 / 4001
    # An unpaired look would miss it: the baseline's own CI covers the candidate's accuracy.
    half_width = 1.96 * np.sqrt(0.25 / n)
    assert abs(est.delta) < half_width


def test_identical_runs_have_p_one_and_zero_interval() -> None:
    scores = np.random.default_rng(3).integers(0, 2, 200).astype(float)
    est = paired_bootstrap(
        _mean_metric(scores), _mean_metric(scores), resamples=500, seed=(0,), level=0.95
    )
    assert (est.delta, est.ci_low, est.ci_high, est.p_value) == (0.0, 0.0, 0.0, 1.0)


def _naive_deltas(
    base: np.ndarray, cand: np.ndarray, aggregate, resamples: int, seed: int
) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Reference: an explicit loop drawing index vectors and re-scoring both runs."""
    rng = np.random.default_rng(seed)
    n = base.shape[0]
    out = np.empty(resamples)
    for b in range(resamples):
        idx = rng.integers(0, n, n)
        out[b] = aggregate(cand[idx]) - aggregate(base[idx])
    return out


def _ratio(rows: np.ndarray) -> float:
    return float(rows[:, 0].sum() / rows[:, 1].sum())


def _median(rows: np.ndarray) -> float:
    return float(np.median(rows[:, 0]))


@pytest.mark.parametrize("kind", ["summable corpus ratio", "non-summable median"])
def test_agrees_with_a_naive_loop(kind: str) -> None:
    rng = np.random.default_rng(11)
    n = 300
    if kind == "summable corpus ratio":
        # BLEU-like: per-sentence matches and lengths; the candidate gains a little, noisily.
        length = rng.integers(5, 15, n).astype(float)
        matches = rng.binomial(length.astype(int), 0.5).astype(float)
        better = np.clip(matches + rng.choice([-1, -1, 0, 1, 1, 1], n), 0, length)
        base_rows = np.stack([matches, length], axis=1)
        cand_rows = np.stack([better, length], axis=1)
        aggregator, reference = RATIO, _ratio
    else:
        base_rows = rng.gamma(4.0, 5.0, (n, 1))
        cand_rows = base_rows + rng.normal(0.8, 1.5, (n, 1))
        aggregator, reference = MEDIAN, _median
    b = MetricStats("m", True, base_rows.astype(float), aggregator, "text")
    c = MetricStats("m", True, cand_rows.astype(float), aggregator, "text")
    est = paired_bootstrap(b, c, resamples=3000, seed=(5,), level=0.9)
    naive = _naive_deltas(b.stats, c.stats, reference, 3000, 99)
    assert est.baseline == pytest.approx(reference(b.stats))
    assert est.delta == pytest.approx(reference(c.stats) - reference(b.stats))
    low, high = np.quantile(naive, [0.05, 0.95])
    width = high - low
    assert est.ci_low == pytest.approx(low, abs=0.1 * width)
    assert est.ci_high == pytest.approx(high, abs=0.1 * width)
    # One-sided p of "worse by more than max_drop", the tolerance chosen so that it is
    # neither at its floor nor its ceiling.
    max_drop = -float(np.quantile(naive, 0.8))
    est = paired_bootstrap(b, c, resamples=3000, seed=(5,), level=0.9, max_drop=max_drop)
    naive_p = ((naive >= -max_drop).sum() + 1) / 3001
    assert 0.1 < naive_p < 0.3
    assert est.p_value == pytest.approx(naive_p, abs=0.05)


def test_degenerate_inputs() -> None:
    one = _mean_metric(np.array([1.0]))
    est = paired_bootstrap(one, one, resamples=100, seed=(0,))
    assert (est.ci_low, est.ci_high, est.p_value) == (None, None, None)
    with pytest.raises(ValueError, match="same rows"):
        paired_bootstrap(
            _mean_metric(np.ones(3)), _mean_metric(np.ones(4)), resamples=10, seed=(0,)
        )
