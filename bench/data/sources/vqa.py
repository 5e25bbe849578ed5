"""Readers for VQA layouts: the official VQA JSON pair, and TextVQA's single JSON file.

One sample per question: ``id`` = the question id, ``text`` = the question,
``references`` = the ground-truth answers in annotation order (kept exactly as the
official file has them: 10 for VQAv2 and TextVQA, OK-VQA's 5 answers each repeated twice),
``meta`` = ``image_id``, ``answer_type``, ``question_type``, ``multiple_choice_answer``
(those the annotations carry).

``kind = "vqa-official"``
    ``files.questions`` and ``files.annotations``: the official VQA JSON files (VQAv2,
    OK-VQA); ``dirs.images``: the COCO image folder; ``image_template`` (default
    ``"COCO_val2014_{image_id:012d}.jpg"``) names each image from its integer id.

``kind = "textvqa"``
    ``files.data``: ``TextVQA_0.5.1_val.json``; ``dirs.images``: ``train_images`` (TextVQA
    validation images live there); each image is ``{image_id}.jpg``.

Both accept ``subset = {size, stratify, seed}`` (see :mod:`bench.data.sources.subset`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.data.cards import SourceSpec
from bench.data.sources.items import ItemError, failed_sample, sample_file, text_problem
from bench.data.sources.layout import expect, need, option, read_json, require_layout
from bench.data.sources.subset import apply_subset
from bench.types import Sample

META_KEYS = ("image_id", "answer_type", "question_type", "multiple_choice_answer")
DEFAULT_IMAGE_TEMPLATE = "COCO_val2014_{image_id:012d}.jpg"


def _image_name(template: str, image_id: Any) -> str:
    try:
        return template.format(image_id=image_id)
    except (KeyError, IndexError, ValueError, TypeError) as exc:
        raise ItemError(f"cannot name the image of image_id {image_id!r} ({exc})") from exc


def _answers(entry: dict[str, Any]) -> tuple[str, ...]:
    answers = entry.get("answers", [])
    if not isinstance(answers, list):
        return ()
    return tuple(str(a.get("answer", "")) if isinstance(a, dict) else str(a) for a in answers)


def _question_sample(
    question: dict[str, Any], annotation: dict[str, Any] | None, images: Path, template: str
) -> Sample:
    qid = str(question.get("question_id"))
    meta = {k: str(question[k]) for k in META_KEYS if question.get(k) is not None}
    if annotation is not None:
        meta.update({k: str(annotation[k]) for k in META_KEYS if annotation.get(k) is not None})
    if annotation is None:
        return failed_sample(qid, "no annotation for this question id", meta)
    answers = _answers(annotation)
    text = question.get("question")
    if not isinstance(text, str):
        return failed_sample(qid, "question has no text", meta, references=answers)
    # An empty answer is a real (if rare) annotation; only undecodable ones are refused.
    problem = text_problem("question", [text]) or text_problem("answer", answers, allow_empty=True)
    if problem is not None:
        return failed_sample(qid, problem, meta, references=answers)
    try:
        path = sample_file(images, _image_name(template, question.get("image_id")))
    except ItemError as exc:
        return failed_sample(qid, str(exc), meta, references=answers)
    return Sample(id=qid, image=path, text=text, references=answers, meta=meta)


def read_vqa_official(spec: SourceSpec, split: str, data_dir: Path | None) -> list[Sample]:
    """Questions joined with their annotations, in question-file order."""
    paths = require_layout(spec, split, data_dir)
    questions_path = need(paths, "questions", spec)
    annotations_path = need(paths, "annotations", spec)
    images = need(paths, "images", spec)
    template = option(spec, "image_template", DEFAULT_IMAGE_TEMPLATE, str)
    questions_data = expect(read_json(questions_path), dict, questions_path, "(top level)")
    questions = expect(questions_data.get("questions"), list, questions_path, "questions")
    annotations_data = expect(read_json(annotations_path), dict, annotations_path, "(top level)")
    annotation_list = expect(
        annotations_data.get("annotations"), list, annotations_path, "annotations"
    )
    by_question: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(annotation_list):
        entry = expect(entry, dict, annotations_path, f"annotations[{i}]")
        by_question[str(entry.get("question_id"))] = entry
    samples: list[Sample] = []
    for i, question in enumerate(questions):
        question = expect(question, dict, questions_path, f"questions[{i}]")
        annotation = by_question.get(str(question.get("question_id")))
        samples.append(_question_sample(question, annotation, images, template))
    return apply_subset(spec, samples)


def read_textvqa(spec: SourceSpec, split: str, data_dir: Path | None) -> list[Sample]:
    """TextVQA questions (each entry carries its own answers), in file order."""
    paths = require_layout(spec, split, data_dir)
    data_path = need(paths, "data", spec)
    images = need(paths, "images", spec)
    template = option(spec, "image_template", "{image_id}.jpg", str)
    data = expect(read_json(data_path), dict, data_path, "(top level)")
    entries = expect(data.get("data"), list, data_path, "data")
    samples: list[Sample] = []
    for i, entry in enumerate(entries):
        entry = expect(entry, dict, data_path, f"data[{i}]")
        samples.append(_question_sample(entry, entry, images, template))
    return apply_subset(spec, samples)
