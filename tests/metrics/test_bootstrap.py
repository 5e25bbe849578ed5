"""Bootstrap CIs resample per-sample statistics: each resample is the metric of a resampled
corpus (BLEU exactly; CIDEr-D with the full set's document frequencies)."""

from __future__ import annotations

import numpy as np
import pytest
from metric_corpora import caption_corpus
from pycocoevalcap.bleu.bleu import Bleu

from bench.metrics.base import bootstrap_counts, with_confidence
from bench.metrics.captioning import caption_metrics
from bench.metrics.ptb_tokenizer import ptb_tokenize


def test_resampled_bleu_is_the_corpus_bleu_of_the_resample() -> None:
    refs, preds = caption_corpus(40, 3, seed=6)
    suite = caption_metrics(refs, preds, metrics=["BLEU-4"])
    metric = suite.by_name("BLEU-4")
    ids = list(refs)
    counts = bootstrap_counts(len(ids), 5, seed=1)
    values = metric.resampled(counts)
    flat = ptb_tokenize([c for i in ids for c in refs[i]])
    hyps = ptb_tokenize([preds[i] for i in ids])
    for row, value in zip(counts, values, strict=True):
        chosen = np.repeat(np.arange(len(ids)), row.astype(int))
        gts = {str(n): flat[3 * i : 3 * i + 3] for n, i in enumerate(chosen)}
        res = {str(n): [hyps[i]] for n, i in enumerate(chosen)}
        expected = Bleu(4).compute_score(gts, res, verbose=0)[0][3]
        assert value == pytest.approx(expected, abs=1e-12)


def test_cider_resamples_average_per_image_scores() -> None:
    refs, preds = caption_corpus(50, 3, seed=2)
    metric = caption_metrics(refs, preds, metrics=["CIDEr"]).by_name("CIDEr")
    counts = bootstrap_counts(50, 4, seed=0)
    per_image = metric.stats[:, 0]
    np.testing.assert_allclose(metric.resampled(counts), counts @ per_image / 50, rtol=1e-12)


def test_confidence_interval_is_seeded_and_brackets_the_value() -> None:
    refs, preds = caption_corpus(60, 3, seed=3)
    metric = caption_metrics(refs, preds, metrics=["CIDEr"]).by_name("CIDEr")
    a = with_confidence(metric, resamples=300, seed=7)
    b = with_confidence(metric, resamples=300, seed=7)
    assert a == b
    assert a.ci_low is not None and a.ci_high is not None
    assert a.ci_low <= a.value <= a.ci_high
