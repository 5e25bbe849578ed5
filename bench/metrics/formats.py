"""Parsing the four scoring formats of DESIGN.md into the in-memory metric inputs.

A prediction id unknown to the references is an error; a reference id without a
prediction is *not*: it is scored as wrong and reported by the metric functions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.errors import UsageError
from bench.metrics.inputs import Checker, Source, check_known, load_json, load_score_matrix


@dataclass(frozen=True)
class CaptionInput:
    references: dict[str, list[str]]
    predictions: dict[str, str]


@dataclass(frozen=True)
class VqaInput:
    answers: dict[str, list[str]]
    predictions: dict[str, str]
    answer_types: dict[str, str]
    question_types: dict[str, str]
    #: question id -> canonical other fields of each answer dict, only for questions whose
    #: answer dicts are not distinct (no or repeated ``answer_id``)
    answer_keys: dict[str, list[str]] = field(default_factory=dict)
    #: question id -> image id, for the questions whose annotation names one
    image_ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RetrievalInput:
    scores: npt.NDArray[np.float64]
    text_to_image: list[int]
    failed_texts: list[int]
    failed_images: list[int]


@dataclass(frozen=True)
class SentimentInput:
    ids: list[str]
    gold: list[Any]  # str labels or float scores
    predicted: list[Any]  # same kind, None when missing/failed
    scores: list[float | None] | None  # positive-class scores for AUROC
    regression: bool
    labels: list[str]
    missing: list[str]
    #: which reading was used and why ("classification (...)" or "regression (...)")
    reading: str = "classification"


def parse_captioning(predictions: Source, references: Source) -> CaptionInput:
    """COCO annotations or ``{image_id: [captions]}``; COCO results list of predictions."""
    ref = load_json(references, "<references>")
    rc = Checker(ref.name)
    refs: dict[str, list[str]] = {}
    data = ref.data
    if isinstance(data, dict) and "annotations" in data:
        for i, item in enumerate(rc.list_of(data["annotations"], "annotations")):
            path = f"annotations[{i}]"
            rec = rc.record(item, path)
            key = rc.ident(rc.field(rec, "image_id", path), f"{path}.image_id")
            caption = rc.text(rc.field(rec, "caption", path), f"{path}.caption")
            refs.setdefault(key, []).append(caption)
    elif isinstance(data, dict):
        for key, captions in data.items():
            path = f"[{key!r}]"
            listed = rc.list_of(captions, path)
            if not listed:
                raise rc.fail(path, "no reference captions")
            refs[rc.ident(key, path)] = [rc.text(c, f"{path}[{j}]") for j, c in enumerate(listed)]
    else:
        raise rc.fail("", 'expected {"annotations": [...]} or {image_id: [captions]}')
    pred = load_json(predictions, "<predictions>")
    pc = Checker(pred.name)
    preds: dict[str, str] = {}
    paths: dict[str, str] = {}
    for i, item in enumerate(pc.list_of(pred.data, "")):
        path = f"[{i}]"
        rec = pc.record(item, path)
        key = pc.ident(pc.field(rec, "image_id", path), f"{path}.image_id")
        pc.unique(key, path)
        preds[key] = pc.text(pc.field(rec, "caption", path), f"{path}.caption", allow_empty=True)
        paths[key] = f"{path}.image_id"
    check_known(pc, paths, refs, ref.name)
    return CaptionInput(refs, preds)


def parse_vqa(predictions: Source, references: Source) -> VqaInput:
    """Official VQA annotations and ``[{"question_id", "answer"}]`` predictions."""
    ref = load_json(references, "<references>")
    rc = Checker(ref.name)
    top = rc.record(ref.data, "")
    answers: dict[str, list[str]] = {}
    answer_keys: dict[str, list[str]] = {}
    image_ids: dict[str, str] = {}
    answer_types: dict[str, str] = {}
    question_types: dict[str, str] = {}
    for i, item in enumerate(rc.list_of(rc.field(top, "annotations", ""), "annotations")):
        path = f"annotations[{i}]"
        rec = rc.record(item, path)
        key = rc.ident(rc.field(rec, "question_id", path), f"{path}.question_id")
        rc.unique(key, path)
        listed = rc.list_of(rc.field(rec, "answers", path), f"{path}.answers")
        if not listed:
            raise rc.fail(f"{path}.answers", "no ground-truth answers")
        dicts = [rc.record(a, f"{path}.answers[{j}]") for j, a in enumerate(listed)]
        # Empty answers are scored as the official evaluation scores them, not refused.
        answers[key] = [
            rc.text(
                rc.field(d, "answer", f"{path}.answers[{j}]"),
                f"{path}.answers[{j}].answer",
                allow_empty=True,
            )
            for j, d in enumerate(dicts)
        ]
        if "image_id" in rec:
            image_ids[key] = rc.ident(rec["image_id"], f"{path}.image_id")
        keys = [_other_fields(d) for d in dicts]
        if len(set(keys)) != len(keys):
            answer_keys[key] = keys
        for name, target in (("answer_type", answer_types), ("question_type", question_types)):
            if name in rec:
                target[key] = rc.text(rec[name], f"{path}.{name}")
    pred = load_json(predictions, "<predictions>")
    pc = Checker(pred.name)
    preds: dict[str, str] = {}
    paths: dict[str, str] = {}
    for i, item in enumerate(pc.list_of(pred.data, "")):
        path = f"[{i}]"
        rec = pc.record(item, path)
        key = pc.ident(pc.field(rec, "question_id", path), f"{path}.question_id")
        pc.unique(key, path)
        preds[key] = pc.text(pc.field(rec, "answer", path), f"{path}.answer", allow_empty=True)
        paths[key] = f"{path}.question_id"
    check_known(pc, paths, answers, ref.name)
    return VqaInput(answers, preds, answer_types, question_types, answer_keys, image_ids)


def _other_fields(answer: Mapping[str, Any]) -> str:
    """A canonical form of an answer dict without its ``answer``: two dicts with equal forms
    and equal processed answers are equal dicts to the official script (``1 == 1.0``)."""

    def canonical(value: Any) -> Any:
        if isinstance(value, (bool, int, float)):
            return float(value)
        if isinstance(value, dict):
            return {str(k): canonical(v) for k, v in value.items()}
        if isinstance(value, list):
            return [canonical(v) for v in value]
        return value

    rest = {k: canonical(v) for k, v in answer.items() if k != "answer"}
    return json.dumps(rest, sort_keys=True, ensure_ascii=True)


def parse_retrieval(predictions: Source, references: Source) -> RetrievalInput:
    """A ``.npy`` score matrix and the image index of each text (a list, or an object with
    ``text_to_image`` and optional ``failed_texts`` / ``failed_images``)."""
    name, scores = load_score_matrix(predictions)
    ref = load_json(references, "<references>")
    rc = Checker(ref.name)
    data = ref.data
    failed: dict[str, list[int]] = {"failed_texts": [], "failed_images": []}
    if isinstance(data, dict):
        for key in failed:
            if key in data:
                failed[key] = [
                    _index(rc, v, f"{key}[{j}]") for j, v in enumerate(rc.list_of(data[key], key))
                ]
        listed, prefix = (
            rc.list_of(rc.field(data, "text_to_image", ""), "text_to_image"),
            "text_to_image",
        )
    else:
        listed, prefix = rc.list_of(data, ""), ""
    targets = [_index(rc, v, f"{prefix}[{j}]") for j, v in enumerate(listed)]
    n_texts, n_images = scores.shape
    if len(targets) != n_texts:
        raise rc.fail(prefix, f"{len(targets)} entries but {name} has {n_texts} rows (texts)")
    for j, t in enumerate(targets):
        if t >= n_images:
            raise rc.fail(f"{prefix}[{j}]", f"image {t} but {name} has {n_images} columns")
    for j, t in enumerate(failed["failed_texts"]):
        if t >= n_texts:
            raise rc.fail(f"failed_texts[{j}]", f"text {t} but there are {n_texts} texts")
    for j, t in enumerate(failed["failed_images"]):
        if t >= n_images:
            raise rc.fail(f"failed_images[{j}]", f"image {t} but there are {n_images} images")
    nan = np.isnan(scores)
    if failed["failed_texts"]:
        nan[failed["failed_texts"], :] = False
    if failed["failed_images"]:
        nan[:, failed["failed_images"]] = False
    if nan.any():
        r, c = (int(v) for v in np.argwhere(nan)[0])
        raise UsageError(f"{name}: [{r}, {c}]: NaN score")
    return RetrievalInput(scores, targets, failed["failed_texts"], failed["failed_images"])


def _index(checker: Checker, value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise checker.fail(path, f"expected a non-negative integer index, got {value!r}")
    return value


def parse_sentiment(predictions: Source, references: Source) -> SentimentInput:
    """``[{"id", "label"}]`` both sides. References may be ``{"examples": [...], "labels":
    [...], "positive_label": ..., "task": "classification"|"regression"}``; predictions may
    carry ``"score"`` (positive-class score).

    Labels that are strings or integers are classes (MVSA and Twitter files write 0/1/2).
    The MMSA regression reading applies only when the references declare
    ``"task": "regression"`` or a gold label is a non-integer number (``1.5``, ``-0.6``);
    :attr:`SentimentInput.reading` says which reading was used and why.
    """
    ref = load_json(references, "<references>")
    rc = Checker(ref.name)
    data = ref.data
    labels: list[str] = []
    positive: str | None = None
    declared: str | None = None
    prefix = ""
    if isinstance(data, dict):
        if "labels" in data:
            labels = [
                _label_text(rc, v, f"labels[{j}]")
                for j, v in enumerate(rc.list_of(data["labels"], "labels"))
            ]
        if "positive_label" in data:
            positive = _label_text(rc, data["positive_label"], "positive_label")
        if "task" in data:
            declared = rc.text(data["task"], "task")
            if declared not in ("classification", "regression"):
                raise rc.fail(
                    "task", f"expected 'classification' or 'regression', got {declared!r}"
                )
        data, prefix = rc.field(data, "examples", ""), "examples"
    gold: dict[str, Any] = {}
    for i, item in enumerate(rc.list_of(data, prefix)):
        path = f"{prefix}[{i}]"
        rec = rc.record(item, path)
        key = rc.ident(rc.field(rec, "id", path), f"{path}.id")
        rc.unique(key, path)
        gold[key] = rc.field(rec, "label", path)
    if not gold:
        raise rc.fail(prefix, "no examples")
    fractional = next(
        (k for k, v in gold.items() if isinstance(v, float) and not float(v).is_integer()), None
    )
    if declared == "regression":
        regression, reading = True, "regression (the references declare task = regression)"
    elif declared == "classification":
        regression, reading = False, "classification (the references declare it)"
    elif fractional is not None:
        regression = True
        reading = f"regression (label of {fractional!r} is the non-integer {gold[fractional]!r})"
    else:
        regression, reading = False, "classification (labels are strings or integers)"
    for i, (key, value) in enumerate(gold.items()):
        path = f"{prefix}[{i}].label"
        gold[key] = rc.number(value, path) if regression else _label_text(rc, value, path)
    pred = load_json(predictions, "<predictions>")
    pc = Checker(pred.name)
    predicted: dict[str, Any] = {}
    scores: dict[str, float] = {}
    paths: dict[str, str] = {}
    for i, item in enumerate(pc.list_of(pred.data, "")):
        path = f"[{i}]"
        rec = pc.record(item, path)
        key = pc.ident(pc.field(rec, "id", path), f"{path}.id")
        pc.unique(key, path)
        value = pc.field(rec, "label", path)
        if value is not None:
            value = (
                pc.number(value, f"{path}.label")
                if regression
                else _label_text(pc, value, f"{path}.label")
            )
        predicted[key] = value
        if "score" in rec and rec["score"] is not None:
            scores[key] = pc.number(rec["score"], f"{path}.score")
        paths[key] = f"{path}.id"
    check_known(pc, paths, gold, ref.name)
    ids = list(gold)
    if not regression and not labels:
        labels = sorted(
            {str(v) for v in gold.values()} | {str(v) for v in predicted.values() if v is not None}
        )
    if positive is not None:
        if positive not in labels or len(labels) != 2:
            raise rc.fail("positive_label", f"{positive!r} is not one of two labels {labels}")
        labels = [label for label in labels if label != positive] + [positive]
    score_list: list[float | None] | None = None
    if scores:
        score_list = [scores.get(i) for i in ids]
    return SentimentInput(
        ids,
        [gold[i] for i in ids],
        [predicted.get(i) for i in ids],
        score_list,
        regression,
        labels,
        [i for i in ids if predicted.get(i) is None],
        reading,
    )


def _label_text(checker: Checker, value: Any, path: str) -> str:
    """A class label: a string, or an integer (also written as ``2.0``) kept as its digits."""
    if isinstance(value, bool):
        raise checker.fail(path, "expected a string or integer label, got bool")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        raise checker.fail(path, f"expected a class label, got the number {value}")
    return checker.text(value, path)
