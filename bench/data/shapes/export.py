"""Exports of generated splits to the official annotation formats (VQA, COCO captions).

Ids become integers, as in the official files (shapes ids are decimal strings).
"""

from __future__ import annotations

from typing import Any

import datasets

from bench.data.shapes.spec import IMAGE_SIZE


def _columns(dataset: datasets.Dataset, names: list[str]) -> dict[str, list[Any]]:
    """Plain Python columns, without decoding any image."""
    table = dataset.select_columns(names).with_format("arrow")[:]
    return {name: table.column(name).to_pylist() for name in names}


def to_vqa_official(dataset: datasets.Dataset) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``(questions, annotations)`` objects of the official VQA (v2) JSON files.

    Every answer gets ``answer_confidence = "yes"`` and ``answer_id`` 1..10 in order.
    """
    cols = _columns(
        dataset,
        [
            "id",
            "image_id",
            "question",
            "answers",
            "answer_type",
            "question_type",
            "multiple_choice_answer",
        ],
    )
    questions: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for i in range(len(cols["id"])):
        question_id, image_id = int(cols["id"][i]), int(cols["image_id"][i])
        questions.append(
            {"image_id": image_id, "question": cols["question"][i], "question_id": question_id}
        )
        answers = [
            {"answer": answer, "answer_confidence": "yes", "answer_id": k + 1}
            for k, answer in enumerate(cols["answers"][i])
        ]
        annotations.append(
            {
                "question_id": question_id,
                "image_id": image_id,
                "question_type": cols["question_type"][i],
                "answer_type": cols["answer_type"][i],
                "multiple_choice_answer": cols["multiple_choice_answer"][i],
                "answers": answers,
            }
        )
    header = {"task_type": "Open-Ended", "data_type": "shapes", "license": {"name": "CC0-1.0"}}
    return {**header, "questions": questions}, {**header, "annotations": annotations}


def to_coco_captions(dataset: datasets.Dataset) -> dict[str, Any]:
    """The COCO captions annotation object: ``images`` and one annotation per caption."""
    cols = _columns(dataset, ["id", "captions"])
    images: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    for image_id_text, captions in zip(cols["id"], cols["captions"], strict=True):
        image_id = int(image_id_text)
        images.append(
            {
                "id": image_id,
                "file_name": f"{image_id}.png",
                "width": IMAGE_SIZE,
                "height": IMAGE_SIZE,
            }
        )
        for caption in captions:
            annotations.append(
                {"image_id": image_id, "id": len(annotations) + 1, "caption": caption}
            )
    return {"type": "captions", "images": images, "annotations": annotations}
