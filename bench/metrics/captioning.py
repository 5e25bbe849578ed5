"""Caption metrics with pycocoevalcap's numbers: BLEU-1..4, METEOR, ROUGE-L, CIDEr(-D), SPICE.

:func:`caption_metrics` tokenizes references and predictions like pycocoevalcap (two
tokenizer runs, references first, in image order), then computes per-image statistics for
every requested metric. METEOR and SPICE need Java; when it (or SPICE's models) is missing
the metric is skipped and ``details["skipped"]`` says why.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from bench.metrics.base import MEAN, MetricStats, MetricSuite, mean_stats
from bench.metrics.bleu import BLEU_AGGREGATORS, bleu_stats
from bench.metrics.cider import cider_d_scores
from bench.metrics.ptb_tokenizer import ptb_tokenize
from bench.metrics.rouge import rouge_l_scores

BLEU_NAMES = ("BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4")
#: Output keys, in display order.
CAPTION_METRICS = (*BLEU_NAMES, "METEOR", "ROUGE-L", "CIDEr", "SPICE")
Tokenizer = Literal["python", "java"]


def resolve_caption_metrics(metrics: Collection[str] | None) -> tuple[str, ...]:
    """Requested metric names in display order (``BLEU`` expands to BLEU-1..4)."""
    if metrics is None:
        return CAPTION_METRICS
    wanted: set[str] = set()
    by_lower = {name.lower(): name for name in CAPTION_METRICS}
    for name in metrics:
        if name.lower() == "bleu":
            wanted.update(BLEU_NAMES)
        elif name.lower() in by_lower:
            wanted.add(by_lower[name.lower()])
        else:
            raise ValueError(
                f"unknown captioning metric {name!r}; choose from {', '.join(CAPTION_METRICS)}"
            )
    return tuple(name for name in CAPTION_METRICS if name in wanted)


def tokenize_captions(captions: Sequence[str], tokenizer: Tokenizer) -> list[str]:
    """pycocoevalcap's PTB tokenization, in pure Python or through the Java jar."""
    if tokenizer == "java":
        # imported here: the Java helpers (subprocess, shutil) cost a scoring run that
        # does not use them a few milliseconds
        from bench.metrics.java_tools import java_ptb_tokenize

        return java_ptb_tokenize(captions)
    if tokenizer == "python":
        return ptb_tokenize(captions)
    raise ValueError(f"tokenizer must be 'python' or 'java', not {tokenizer!r}")


def caption_metrics(
    references: Mapping[str, Sequence[str]],
    predictions: Mapping[str, str],
    *,
    metrics: Collection[str] | None = None,
    tokenizer: Tokenizer = "python",
) -> MetricSuite:
    """Score captions against references, per image, with pycocoevalcap's definitions.

    Args:
        references: image id -> reference captions (at least one each); defines the images
            and their order.
        predictions: image id -> predicted caption. A missing prediction scores as the empty
            caption and is counted in ``details["missing_predictions"]``.
        metrics: subset of :data:`CAPTION_METRICS` (default: all).
        tokenizer: ``"python"`` (default, same tokens as the jar) or ``"java"`` (the jar).

    Raises:
        ValueError: an image without references, a prediction for an unknown image, or an
            unknown metric name.
    """
    names = resolve_caption_metrics(metrics)
    ids = tuple(str(i) for i in references)
    known = set(ids)
    unknown = [i for i in predictions if str(i) not in known]
    if unknown:
        raise ValueError(f"prediction for image {unknown[0]!r}, which has no references")
    for image_id in ids:
        if not references[image_id]:
            raise ValueError(f"image {image_id!r} has no reference captions")
    missing = [i for i in ids if i not in predictions]
    ref_lists = [list(references[i]) for i in ids]
    flat_refs = tokenize_captions([c for refs in ref_lists for c in refs], tokenizer)
    hyps = tokenize_captions([predictions.get(i, "") for i in ids], tokenizer)
    refs: list[list[str]] = []
    pos = 0
    for captions in ref_lists:
        refs.append(flat_refs[pos : pos + len(captions)])
        pos += len(captions)

    skipped: dict[str, str] = {}
    out: list[MetricStats] = []
    if any(name in names for name in BLEU_NAMES):
        stats = bleu_stats(hyps, refs)
        for k, name in enumerate(BLEU_NAMES, start=1):
            if name in names:
                out.append(MetricStats(name, True, stats, BLEU_AGGREGATORS[k], "image"))
    if "METEOR" in names:
        _add_meteor(hyps, refs, out, skipped)
    if "ROUGE-L" in names:
        out.append(
            MetricStats("ROUGE-L", True, mean_stats(rouge_l_scores(hyps, refs)), MEAN, "image")
        )
    if "CIDEr" in names:
        out.append(
            MetricStats("CIDEr", True, mean_stats(cider_d_scores(hyps, refs)), MEAN, "image")
        )
    if "SPICE" in names:
        _add_spice(ids, hyps, refs, out, skipped)
    details: dict[str, Any] = {
        "n_images": len(ids),
        "missing_predictions": len(missing),
        "missing_prediction_ids": missing[:20],
        "tokenizer": tokenizer,
        "skipped": skipped,
    }
    return MetricSuite(ids={"image": ids}, metrics=tuple(out), details=details)


def unavailable_metrics() -> dict[str, str | None]:
    """Per optional captioning metric, why it cannot run here (None: it can).

    Which metrics a record holds depends on this machine, not only on the predictions: a
    stored evaluation made without Java must not be reused once Java is installed.
    """
    from bench.metrics.meteor import meteor_unavailable
    from bench.metrics.spice import spice_unavailable

    return {"METEOR": meteor_unavailable(), "SPICE": spice_unavailable()}


def _add_meteor(
    hyps: list[str], refs: list[list[str]], out: list[MetricStats], skipped: dict[str, str]
) -> None:
    from bench.metrics.java_tools import JavaUnavailableError
    from bench.metrics.meteor import METEOR, meteor_stats

    try:
        stats = meteor_stats(hyps, refs)
    except JavaUnavailableError as exc:
        skipped["METEOR"] = str(exc)
        return
    out.append(MetricStats("METEOR", True, stats, METEOR, "image"))


def _add_spice(
    ids: Sequence[str],
    hyps: list[str],
    refs: list[list[str]],
    out: list[MetricStats],
    skipped: dict[str, str],
) -> None:
    from bench.metrics.spice import spice_scores, spice_unavailable

    reason = spice_unavailable()
    if reason is not None:
        skipped["SPICE"] = reason
        return
    scores = spice_scores(ids, hyps, refs)
    out.append(MetricStats("SPICE", True, mean_stats(np.asarray(scores)), MEAN, "image"))
