"""BLEU, ROUGE-L, CIDEr-D and METEOR agree with pycocoevalcap on the same inputs."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import numpy as np
import pytest
from metric_corpora import caption_corpus
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.rouge.rouge import Rouge

from bench.metrics.bleu import bleu_from_sums, bleu_stats
from bench.metrics.captioning import caption_metrics
from bench.metrics.cider import cider_d_scores
from bench.metrics.ptb_tokenizer import ptb_tokenize
from bench.metrics.rouge import rouge_l_scores

TOL = 1e-9
DATA = Path(__file__).resolve().parent / "data"


def _tokenized(n_images: int, seed: int, odd: float = 0.3) -> tuple[list[str], list[list[str]]]:
    refs, preds = caption_corpus(n_images, 5, seed=seed, odd=odd)
    ids = list(refs)
    flat = ptb_tokenize([c for i in ids for c in refs[i]])
    hyps = ptb_tokenize([preds[i] for i in ids])
    return hyps, [flat[5 * k : 5 * k + 5] for k in range(len(ids))]


def _theirs(hyps: list[str], refs: list[list[str]]) -> tuple[dict, dict]:
    gts = {str(i): r for i, r in enumerate(refs)}
    res = {str(i): [h] for i, h in enumerate(hyps)}
    return gts, res


def _assert_parity(hyps: list[str], refs: list[list[str]]) -> None:
    gts, res = _theirs(hyps, refs)
    stats = bleu_stats(hyps, refs)
    their_bleu, their_per_image = Bleu(4).compute_score(gts, res, verbose=0)
    for k in range(4):
        assert abs(float(bleu_from_sums(stats.sum(axis=0), k + 1)) - their_bleu[k]) <= TOL
        np.testing.assert_allclose(bleu_from_sums(stats, k + 1), their_per_image[k], atol=TOL)
    their_rouge, their_rouge_per = Rouge().compute_score(gts, res)
    ours_rouge = rouge_l_scores(hyps, refs)
    np.testing.assert_allclose(ours_rouge, their_rouge_per, atol=TOL, rtol=0)
    assert abs(ours_rouge.mean() - their_rouge) <= TOL
    their_cider, their_cider_per = Cider().compute_score(gts, res)
    ours_cider = cider_d_scores(hyps, refs)
    np.testing.assert_allclose(ours_cider, their_cider_per, atol=TOL, rtol=0)
    assert abs(ours_cider.mean() - their_cider) <= TOL


def test_parity_on_500_generated_images() -> None:
    _assert_parity(*_tokenized(500, seed=1))


@pytest.mark.slow
def test_parity_on_5000_images_by_5_references() -> None:
    _assert_parity(*_tokenized(5000, seed=2))


def test_parity_on_degenerate_captions() -> None:
    hyps = ["", "a", "a a a a a a a a", "b c", "the the the", "x  y", "a b c d e f g h i j"]
    refs = [["a b", "c"], ["a"], ["a a"], [""], ["the"], ["x y", "y x"], ["a b c", "j i h"]]
    _assert_parity(hyps, refs)


def _random_words(rng: random.Random, vocab: list[str], low: int, high: int) -> str:
    return " ".join(rng.choice(vocab) for _ in range(rng.randint(low, high)))


def test_parity_on_long_captions_and_uneven_reference_counts() -> None:
    """Sentences past 64 tokens (multi-word bit masks), 1 to 7 references per image and
    repeated n-grams inside a sentence (clipping)."""
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(40)]
    hyps, refs = [], []
    for image in range(60):
        long_hyp = image % 3 == 0
        hyps.append(
            _random_words(rng, vocab, 60, 150) if long_hyp else _random_words(rng, vocab, 1, 20)
        )
        refs.append(
            [
                _random_words(rng, vocab, 50, 140)
                if (image + r) % 4 == 0
                else _random_words(rng, vocab, 1, 25)
                for r in range(1 + image % 7)
            ]
        )
    hyps[1] = refs[1][0]  # an exact match
    _assert_parity(hyps, refs)


def test_parity_with_a_vocabulary_beyond_16_bits() -> None:
    rng = random.Random(4)
    vocab = [f"t{i}" for i in range(40_000)]
    common = vocab[:30]
    hyps = [
        _random_words(rng, common, 3, 12) + " " + _random_words(rng, vocab, 1, 5)
        for _ in range(150)
    ]
    refs = [
        [
            _random_words(rng, common, 3, 12) + " " + _random_words(rng, vocab, 20, 60)
            for _ in range(4)
        ]
        for _ in range(150)
    ]
    _assert_parity(hyps, refs)


def test_parity_with_unusual_whitespace_and_long_tokens() -> None:
    """Tokens of 8-15 and over 15 bytes, NUL bytes, non-ASCII text, no-break spaces (split by
    ``str.split()`` but not by ROUGE's ``split(" ")``), an ideographic space (the slower
    dictionary path) and doubled spaces."""
    words = [
        "a",
        "dog",
        "caf\u00e9",
        "\u65e5\u672c",
        "abcdefgh",
        "abcdefghi",
        "abcdefghijklmno",
        "abcdefghijklmnop",
        "abcdefghijklmnopqrstuvwxyz",
        "x\x00",
        "x\x00\x00",
        "5\u00a07/8",
    ]
    rng = random.Random(5)
    hyps = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 9))) for _ in range(80)]
    refs = [
        [" ".join(rng.choice(words) for _ in range(rng.randint(1, 9))) for _ in range(3)]
        for _ in range(80)
    ]
    hyps[0] = "a  dog"
    refs[1][0] = "dog\u3000a dog"
    _assert_parity(hyps, refs)


def test_one_image_corpus_scores_zero_cider_like_the_reference() -> None:
    gts, res = _theirs(["a dog runs"], [["a dog runs"]])
    their, _ = Cider().compute_score(gts, res)
    assert their == 0.0
    assert cider_d_scores(["a dog runs"], [["a dog runs"]]).tolist() == [0.0]


def _example_inputs() -> list[tuple[dict[str, list[str]], dict[str, str]]]:
    refs = json.loads((DATA / "clipscore-example" / "refs.json").read_text())
    cases = []
    for name in ("good_captions.json", "bad_captions.json"):
        preds = json.loads((DATA / "clipscore-example" / name).read_text())
        cases.append((refs, {k: preds[k] for k in refs}))
    folder = DATA / "nlg-eval-example"
    hyp = folder.joinpath("hyp.txt").read_text().splitlines()
    ref1 = folder.joinpath("ref1.txt").read_text().splitlines()
    ref2 = folder.joinpath("ref2.txt").read_text().splitlines()
    nlg_refs = {str(i): [ref1[i], ref2[i]] for i in range(len(hyp))}
    cases.append((nlg_refs, {str(i): h for i, h in enumerate(hyp)}))
    return cases


@pytest.mark.parametrize("case", range(3))
def test_public_examples_match_the_full_pycocoevalcap_pipeline(case: int, java: str) -> None:
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    refs, preds = _example_inputs()[case]
    tok = PTBTokenizer()
    gts = tok.tokenize({k: [{"caption": c} for c in v] for k, v in refs.items()})
    res = tok.tokenize({k: [{"caption": preds[k]}] for k in refs})
    suite = caption_metrics(refs, preds, metrics=["BLEU", "ROUGE-L", "CIDEr"])
    ours = {m.name: m.value() for m in suite.metrics}
    bleu, _ = Bleu(4).compute_score(gts, res, verbose=0)
    for k in range(4):
        assert abs(ours[f"BLEU-{k + 1}"] - bleu[k]) <= TOL
    assert abs(ours["ROUGE-L"] - Rouge().compute_score(gts, res)[0]) <= TOL
    assert abs(ours["CIDEr"] - Cider().compute_score(gts, res)[0]) <= TOL


@pytest.mark.slow
def test_meteor_matches_pycocoevalcap(java: str) -> None:
    """Generated captions and the public examples, one JVM on each side."""
    from pycocoevalcap.meteor.meteor import Meteor

    from bench.metrics.meteor import meteor_from_sums, meteor_stats

    hyps, refs = _tokenized(120, seed=9)
    hyps[0] = refs[0][0]  # an exact match exercises the chunk-count quirk
    cases = [(hyps, refs)]
    for example_refs, example_preds in _example_inputs():
        ids = list(example_refs)
        flat = ptb_tokenize([c for i in ids for c in example_refs[i]])
        sizes = [len(example_refs[i]) for i in ids]
        starts = np.cumsum([0, *sizes])
        cases.append(
            (
                ptb_tokenize([example_preds[i] for i in ids]),
                [flat[a:b] for a, b in itertools.pairwise(starts)],
            )
        )
    all_stats = meteor_stats([h for c in cases for h in c[0]], [r for c in cases for r in c[1]])
    scorer = Meteor()
    offset = 0
    for case_hyps, case_refs in cases:
        stats = all_stats[offset : offset + len(case_hyps)]
        offset += len(case_hyps)
        their, their_per = scorer.compute_score(*_theirs(case_hyps, case_refs))
        assert abs(float(meteor_from_sums(stats.sum(axis=0))) - their) <= 1e-12
        np.testing.assert_allclose(meteor_from_sums(stats), their_per, atol=1e-12, rtol=0)


def test_meteor_is_skipped_with_a_reason_without_java(monkeypatch: pytest.MonkeyPatch) -> None:
    import bench.metrics.java_tools as java_tools

    monkeypatch.setattr(java_tools, "java_executable", lambda: None)
    refs, preds = caption_corpus(5, 2, seed=1)
    suite = caption_metrics(refs, preds, metrics=["METEOR", "CIDEr"])
    assert [m.name for m in suite.metrics] == ["CIDEr"]
    assert "java" in suite.details["skipped"]["METEOR"]


def test_spice_is_reported_as_skipped_when_its_models_are_missing() -> None:
    from bench.metrics.spice import spice_unavailable

    refs, preds = caption_corpus(3, 2, seed=1)
    suite = caption_metrics(refs, preds, metrics=["SPICE"])
    reason = spice_unavailable()
    if reason is None:  # models installed: SPICE must have been computed instead
        assert [m.name for m in suite.metrics] == ["SPICE"]
    else:
        assert suite.metrics == ()
        assert suite.details["skipped"]["SPICE"] == reason


def test_missing_predictions_score_as_empty_captions_and_are_counted() -> None:
    refs, preds = caption_corpus(20, 3, seed=3)
    partial = dict(list(preds.items())[:15])
    with_empty = {**partial, **{k: "" for k in list(preds)[15:]}}
    a = caption_metrics(refs, partial, metrics=["BLEU-4", "ROUGE-L", "CIDEr"])
    b = caption_metrics(refs, with_empty, metrics=["BLEU-4", "ROUGE-L", "CIDEr"])
    assert [m.value() for m in a.metrics] == [m.value() for m in b.metrics]
    assert a.details["missing_predictions"] == 5
    assert b.details["missing_predictions"] == 0


def test_unknown_prediction_ids_and_metric_names_are_rejected() -> None:
    refs = {"1": ["a dog"]}
    with pytest.raises(ValueError, match="no references"):
        caption_metrics(refs, {"2": "a cat"})
    with pytest.raises(ValueError, match="unknown captioning metric"):
        caption_metrics(refs, {"1": "a dog"}, metrics=["BLUE"])


def test_java_tokenizer_option_gives_the_same_scores(java: str) -> None:
    refs, preds = caption_corpus(60, 5, seed=4)
    a = caption_metrics(refs, preds, metrics=["BLEU-4", "CIDEr"], tokenizer="python")
    b = caption_metrics(refs, preds, metrics=["BLEU-4", "CIDEr"], tokenizer="java")
    assert [m.value() for m in a.metrics] == [m.value() for m in b.metrics]
