"""VQA accuracy exactly as the official evaluation script computes it, vectorised.

Per question (see :mod:`bench.metrics.vqa_normalize` for the string rules): every answer is
cleaned; only when the cleaned ground-truth answers disagree are the answers *and* the
prediction normalised (punctuation, then digits/articles/contractions); then, for each
ground-truth answer, ``min(1, matches among the other answers / 3)``, and the question's
accuracy is the mean of those. This equals the script's value bit for bit: the per-answer
terms are summed left to right in float64 like its ``sum(gtAcc)``.

Speed comes from processing each *distinct* string once (answers repeat heavily) and doing
the matching on integer codes with numpy. Leave-one-out is over answer positions, which is
what the script's whole-dict comparison amounts to with the real files' distinct
``answer_id``s.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.metrics.base import MEAN, FloatArray, MetricStats, MetricSuite, mean_stats
from bench.metrics.vqa_normalize import clean, normalize

_NO_MATCH = -2


def vqa_accuracies(
    answers: Sequence[Sequence[str]],
    predictions: Sequence[str | None],
    *,
    answer_keys: Sequence[Sequence[str]] | None = None,
) -> FloatArray:
    """Per-question official accuracy in [0, 1]; a ``None`` prediction scores 0.

    ``answer_keys`` gives, per answer, a canonical form of the *other* fields of its answer
    dict (``answer_id``, ``answer_confidence``...). The script's leave-one-out drops every
    dict equal to the one left out, so answers whose dicts are identical after processing
    (no ``answer_id``, or a repeated one) leave out all their copies together. Without it
    every answer dict is taken as distinct, as in the real files.
    """
    n = len(answers)
    if len(predictions) != n:
        raise ValueError("one prediction (or None) per question is required")
    if answer_keys is not None and [len(k) for k in answer_keys] != [len(a) for a in answers]:
        raise ValueError("answer_keys must have one key per answer")
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    counts = np.fromiter(map(len, answers), dtype=np.int64, count=n)
    if (counts == 0).any():
        raise ValueError(f"question #{int(np.argmax(counts == 0))} has no ground-truth answers")
    width = int(counts.max())
    flat = [a for group in answers for a in group]

    codes: dict[str, int] = {}
    cleaned: dict[str, int] = {}  # raw answer -> code of its cleaned form
    normalised: dict[str, int] = {}  # raw answer -> code of its normalised form

    def code(text: str) -> int:
        return codes.setdefault(text, len(codes))

    def clean_code(raw: str) -> int:
        found = cleaned.get(raw)
        if found is None:
            found = cleaned[raw] = code(clean(raw))
        return found

    def norm_code(raw: str) -> int:
        found = normalised.get(raw)
        if found is None:
            found = normalised[raw] = code(normalize(clean(raw)))
        return found

    valid = np.arange(width)[None, :] < counts[:, None]
    rows = np.repeat(np.arange(n), counts)
    cols = np.arange(len(flat)) - np.repeat(np.cumsum(counts) - counts, counts)
    gt_clean = np.full((n, width), -1, dtype=np.int64)
    gt_clean[rows, cols] = np.fromiter(map(clean_code, flat), dtype=np.int64, count=len(flat))
    disagree = ((gt_clean != gt_clean[:, :1]) & valid).any(axis=1)

    gt = gt_clean.copy()
    pred = np.full(n, _NO_MATCH, dtype=np.int64)
    for q in range(n):
        p = predictions[q]
        if disagree[q]:
            if p is not None:
                pred[q] = norm_code(p)
        elif p is not None:
            pred[q] = clean_code(p)
    flat_disagree = disagree[rows]
    pick = np.flatnonzero(flat_disagree)
    gt[rows[pick], cols[pick]] = [norm_code(flat[i]) for i in pick]

    equal = (gt == pred[:, None]) & valid
    matches = equal.sum(axis=1)
    copies = np.ones((n, width), dtype=np.int64)
    if answer_keys is not None:
        _count_identical_dicts(answer_keys, gt, copies)
    others = (matches[:, None] - equal * copies).astype(np.float64)
    per_answer = np.where(valid, np.minimum(1.0, others / 3), 0.0)
    total = np.zeros(n, dtype=np.float64)
    for j in range(width):  # left-to-right, like the script's sum()
        total = total + per_answer[:, j]
    return total / counts


def _count_identical_dicts(
    answer_keys: Sequence[Sequence[str]], gt: npt.NDArray[np.int64], copies: npt.NDArray[np.int64]
) -> None:
    """Fill ``copies[q, j]`` with how many answer dicts of question q equal dict j (itself
    included): same other fields and same processed answer."""
    for q, keys in enumerate(answer_keys):
        if len(set(keys)) == len(keys):
            continue  # distinct dicts whatever their answers: plain leave-one-out
        dicts = list(zip(keys, gt[q, : len(keys)].tolist(), strict=True))
        for j, d in enumerate(dicts):
            copies[q, j] = dicts.count(d)


def vqa_metrics(
    answers: Mapping[str, Sequence[str]],
    predictions: Mapping[str, str],
    *,
    answer_types: Mapping[str, str] | None = None,
    question_types: Mapping[str, str] | None = None,
    answer_keys: Mapping[str, Sequence[str]] | None = None,
) -> MetricSuite:
    """Official VQA accuracy (key ``accuracy``, a fraction) with per-type breakdowns.

    Args:
        answers: question id -> ground-truth answers (defines questions and their order).
        predictions: question id -> predicted answer; a missing one scores 0 and is counted
            in ``details["missing_predictions"]``.
        answer_types, question_types: optional question id -> type, for the breakdowns in
            ``details["per_answer_type"]`` and ``details["per_question_type"]`` (fractions).
        answer_keys: optional question id -> the other fields of each answer dict (see
            :func:`vqa_accuracies`); questions it does not name have distinct dicts.

    Per-question accuracies are the first stats column (see :func:`question_accuracies`).
    """
    ids = tuple(str(q) for q in answers)
    known = set(ids)
    unknown = [q for q in predictions if str(q) not in known]
    if unknown:
        raise ValueError(f"prediction for question {unknown[0]!r}, which has no answers")
    for q in ids:
        for a in answers[q]:
            if not isinstance(a, str):
                raise TypeError(f"question {q!r}: answers must be strings, got {type(a).__name__}")
    preds: list[str | None] = []
    for q in ids:
        p = predictions.get(q)
        if p is not None and not isinstance(p, str):
            raise TypeError(f"question {q!r}: the prediction must be a string")
        preds.append(p)
    keys = None
    if answer_keys is not None:
        keys = [answer_keys.get(q) or [str(j) for j in range(len(answers[q]))] for q in ids]
    scores = vqa_accuracies([answers[q] for q in ids], preds, answer_keys=keys)
    missing = [q for q, p in zip(ids, preds, strict=True) if p is None]
    overall = float(sum(scores.tolist())) / len(ids) if ids else 0.0
    details: dict[str, Any] = {
        "n_questions": len(ids),
        "missing_predictions": len(missing),
        "missing_prediction_ids": missing[:20],
        "accuracy_percent_official": round(100 * overall, 2),
        "questions_with_identical_answer_dicts": len(answer_keys or {}),
    }
    if answer_types is not None:
        details["per_answer_type"] = _breakdown(ids, scores, answer_types)
    if question_types is not None:
        details["per_question_type"] = _breakdown(ids, scores, question_types)
    metric = MetricStats("accuracy", True, mean_stats(scores), MEAN, "question")
    return MetricSuite(ids={"question": ids}, metrics=(metric,), details=details)


def _breakdown(
    ids: Sequence[str], scores: FloatArray, types: Mapping[str, str]
) -> dict[str, float]:
    groups: dict[str, list[float]] = defaultdict(list)
    for q, score in zip(ids, scores.tolist(), strict=True):
        groups[str(types.get(q, "unknown"))].append(score)
    return {t: float(sum(v)) / len(v) for t, v in sorted(groups.items())}


def question_accuracies(suite: MetricSuite) -> dict[str, float]:
    """Question id -> accuracy from a :func:`vqa_metrics` result."""
    scores = suite.by_name("accuracy").stats[:, 0]
    return dict(zip(suite.ids["question"], scores.tolist(), strict=True))
