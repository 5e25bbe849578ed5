"""Speed of modalbench's metrics against the reference implementations, in the same run.

Run: ``pytest benchmarks/test_metrics_speed.py --benchmark-only -p no:cacheprovider``; the
closing section prints the speed-ups. Goals: tokenize + CIDEr-D >= 20x pycocoevalcap's
(Java tokenizer + Cider), BLEU and ROUGE-L >= 10x on identical tokens, VQA accuracy on
200,000 questions >= 20x a literal restatement of the official script, and recall@k on
5,000 images x 25,000 texts against CLIP_benchmark.

The Python tokenizer keeps a process-wide memo of each distinct space-separated chunk's
tokens (:mod:`bench.metrics.ptb_chunks`); the main tokenize + CIDEr-D figure is measured
after a warm-up round, as a long-running process sees it, and a second figure empties the
memo before every round (a process's first call). METEOR compares a call to the shared
METEOR jar of :mod:`bench.metrics.meteor` (started by a warm-up call, whose time is kept
in ``extra_info``) with pycocoevalcap's ``Meteor()``, which starts a JVM each time.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from metric_corpora import caption_corpus

from bench.metrics import ptb_chunks
from bench.metrics.base import bootstrap_counts, with_confidence
from bench.metrics.bleu import bleu_from_sums, bleu_stats
from bench.metrics.captioning import caption_metrics
from bench.metrics.cider import cider_d_scores
from bench.metrics.ptb_tokenizer import ptb_tokenize
from bench.metrics.rouge import rouge_l_scores
from bench.metrics.vqa import vqa_accuracies

N_IMAGES = 5000


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[list[str]]]:
    """5,000 images x 5 references: mixed case, punctuation, contractions and numbers."""
    refs, preds = caption_corpus(N_IMAGES, 5, seed=1, odd=0.3, oddities=0.02)
    ids = list(refs)
    return [preds[i] for i in ids], [refs[i] for i in ids]


@pytest.fixture(scope="module")
def tokens(corpus) -> tuple[list[str], list[list[str]]]:
    hyps, refs = corpus
    flat = ptb_tokenize([c for r in refs for c in r])
    return ptb_tokenize(hyps), [flat[5 * k : 5 * k + 5] for k in range(len(refs))]


def _coco(hyps: list[str], refs: list[list[str]]) -> tuple[dict, dict]:
    return {str(i): r for i, r in enumerate(refs)}, {str(i): [h] for i, h in enumerate(hyps)}


def test_tokenize_and_cider_modalbench(benchmark, corpus, record) -> None:
    hyps, refs = corpus
    ptb_tokenize(hyps[:10])  # compile the lexer outside the timing

    def run() -> float:
        flat = ptb_tokenize([c for r in refs for c in r])
        grouped = [flat[5 * k : 5 * k + 5] for k in range(len(refs))]
        return float(cider_d_scores(ptb_tokenize(hyps), grouped).mean())

    benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    record(benchmark, "tokenize + CIDEr-D (5000x5)", "ours")


def test_tokenize_and_cider_modalbench_empty_memo(benchmark, corpus, record) -> None:
    hyps, refs = corpus

    def run() -> float:
        flat = ptb_tokenize([c for r in refs for c in r])
        grouped = [flat[5 * k : 5 * k + 5] for k in range(len(refs))]
        return float(cider_d_scores(ptb_tokenize(hyps), grouped).mean())

    benchmark.pedantic(run, setup=ptb_chunks.CHUNK_TOKENS.clear, rounds=3, iterations=1)
    record(benchmark, "tokenize + CIDEr-D, empty memo", "ours")


def test_tokenize_and_cider_pycocoevalcap(benchmark, corpus, record) -> None:
    from pycocoevalcap.cider.cider import Cider
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    hyps, refs = corpus

    def run() -> float:
        tok = PTBTokenizer()
        gts = tok.tokenize({str(i): [{"caption": c} for c in r] for i, r in enumerate(refs)})
        res = tok.tokenize({str(i): [{"caption": h}] for i, h in enumerate(hyps)})
        return float(Cider().compute_score(gts, res)[0])

    benchmark.pedantic(run, rounds=1, iterations=1)
    record(benchmark, "tokenize + CIDEr-D (5000x5)", "reference")
    record(benchmark, "tokenize + CIDEr-D, empty memo", "reference")


def test_bleu_modalbench(benchmark, tokens, record) -> None:
    hyps, refs = tokens
    benchmark.pedantic(lambda: bleu_from_sums(bleu_stats(hyps, refs).sum(0), 4), rounds=3)
    record(benchmark, "BLEU-1..4 (5000x5 tokens)", "ours")


def test_bleu_pycocoevalcap(benchmark, tokens, record) -> None:
    from pycocoevalcap.bleu.bleu import Bleu

    gts, res = _coco(*tokens)
    benchmark.pedantic(lambda: Bleu(4).compute_score(gts, res, verbose=0), rounds=1)
    record(benchmark, "BLEU-1..4 (5000x5 tokens)", "reference")


def test_rouge_modalbench(benchmark, tokens, record) -> None:
    hyps, refs = tokens
    benchmark.pedantic(lambda: rouge_l_scores(hyps, refs).mean(), rounds=3)
    record(benchmark, "ROUGE-L (5000x5 tokens)", "ours")


def test_rouge_pycocoevalcap(benchmark, tokens, record) -> None:
    from pycocoevalcap.rouge.rouge import Rouge

    gts, res = _coco(*tokens)
    benchmark.pedantic(lambda: Rouge().compute_score(gts, res), rounds=1)
    record(benchmark, "ROUGE-L (5000x5 tokens)", "reference")


@pytest.fixture(scope="module")
def meteor_tokens(tokens) -> tuple[list[str], list[list[str]]]:
    """The first 1,000 images (METEOR is slow on both sides)."""
    hyps, refs = tokens
    return hyps[:1000], refs[:1000]


def test_meteor_modalbench(benchmark, meteor_tokens, record) -> None:
    import time

    from bench.metrics.meteor import meteor_stats

    start = time.perf_counter()
    meteor_stats(*meteor_tokens)  # starts the shared jar
    benchmark.extra_info["first_call_s"] = time.perf_counter() - start
    benchmark.pedantic(lambda: meteor_stats(*meteor_tokens), rounds=3)
    record(benchmark, "METEOR (1000x5 tokens)", "ours")


def test_meteor_pycocoevalcap(benchmark, meteor_tokens, record) -> None:
    from pycocoevalcap.meteor.meteor import Meteor

    gts, res = _coco(*meteor_tokens)

    def run() -> None:
        scorer = Meteor()  # a JVM per scorer, as COCOEvalCap creates one per evaluation
        scorer.compute_score(gts, res)
        del scorer  # its __del__ stops the JVM

    benchmark.pedantic(run, rounds=1)
    record(benchmark, "METEOR (1000x5 tokens)", "reference")


def test_cider_bootstrap_1000_resamples(benchmark, corpus, record) -> None:
    hyps, refs = corpus
    suite = caption_metrics(
        {str(i): r for i, r in enumerate(refs)},
        {str(i): h for i, h in enumerate(hyps)},
        metrics=["CIDEr"],
    )
    metric = suite.by_name("CIDEr")
    benchmark.pedantic(lambda: with_confidence(metric, resamples=1000, seed=0), rounds=3)
    record(benchmark, "CIDEr-D bootstrap, 1000 x 5000", "ours")


VQA_VOCAB = [
    "yes",
    "no",
    "Yes",
    "2",
    "two",
    "3",
    "red",
    "blue",
    "a dog",
    "dog",
    "white",
    "1,000",
    "none",
    "0",
    "st.louis",
    "tennis",
    "dont",
    "black and white",
    "4",
    "left",
]


@pytest.fixture(scope="module")
def vqa_data() -> tuple[list[list[str]], list[str]]:
    rng = random.Random(0)
    answers, preds = [], []
    for _ in range(200_000):
        if rng.random() < 0.4:
            group = [rng.choice(VQA_VOCAB)] * 10
        else:
            pool = rng.sample(VQA_VOCAB, 3)
            group = [rng.choice(pool) for _ in range(10)]
        answers.append(group)
        preds.append(rng.choice(group) if rng.random() < 0.6 else rng.choice(VQA_VOCAB))
    return answers, preds


def test_vqa_modalbench(benchmark, vqa_data, record) -> None:
    benchmark.pedantic(lambda: vqa_accuracies(*vqa_data), rounds=3)
    record(benchmark, "VQA accuracy, 200k questions", "ours")


def test_vqa_literal_official(benchmark, vqa_data, record) -> None:
    from vqa_oracle import official_accuracy

    answers, preds = vqa_data
    benchmark.pedantic(
        lambda: [official_accuracy(a, p) for a, p in zip(answers, preds, strict=True)], rounds=1
    )
    record(benchmark, "VQA accuracy, 200k questions", "reference")


@pytest.fixture(scope="module")
def retrieval_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    targets = np.repeat(np.arange(5000), 5)
    scores = rng.standard_normal((25_000, 5000)).astype(np.float32)
    scores[np.arange(25_000), targets] += 2.0
    return scores, targets


def test_recall_modalbench(benchmark, retrieval_data, record) -> None:
    from bench.metrics.retrieval import retrieval_metrics_from_scores

    benchmark.pedantic(lambda: retrieval_metrics_from_scores(*retrieval_data), rounds=2)
    record(benchmark, "recall@1/5/10 both ways, 5k x 25k", "ours")


def test_recall_clip_benchmark(benchmark, retrieval_data, record) -> None:
    import torch
    from clip_benchmark.metrics.zeroshot_retrieval import batchify, recall_at_k

    scores_np, targets = retrieval_data
    scores = torch.from_numpy(scores_np)
    positive = torch.zeros_like(scores, dtype=torch.bool)
    positive[torch.arange(len(scores)), torch.from_numpy(targets)] = True

    def run() -> None:
        for k in (1, 5, 10):
            batchify(recall_at_k, scores, positive, 64, "cpu", k=k)
            batchify(recall_at_k, scores.T, positive.T, 64, "cpu", k=k)

    benchmark.pedantic(run, rounds=1)
    record(benchmark, "recall@1/5/10 both ways, 5k x 25k", "reference")


def test_chunked_retrieval_peak_memory(benchmark) -> None:
    """20k images x 100k texts (8 GB as a float32 matrix): peak RSS of a fresh process."""
    from test_retrieval import peak_memory_mb

    result = benchmark.pedantic(lambda: peak_memory_mb(20_000, 100_000), rounds=1)
    benchmark.extra_info["peak_rss_mb"], benchmark.extra_info["growth_mb"] = result[:2]
    assert result[0] < 2048


def test_bootstrap_counts_are_cheap(benchmark) -> None:
    benchmark(lambda: bootstrap_counts(5000, 1000, seed=0))
