"""Tiny VQA layouts: the official questions/annotations JSON pair and TextVQA's JSON."""

from __future__ import annotations

from pathlib import Path

from benchmark_layouts import coco_file, write_image, write_json

#: (question_id, image_id, question, answer_type, question_type, answers) in file order.
VQA_QUESTIONS = [
    (
        262148000,
        262148,
        "Where is he looking?",
        "other",
        "none of the above",
        ["down", "down", "at table", "skateboard", "down", "table", "down", "down", "down", "down"],
    ),
    (
        262148001,
        262148,
        "What are the people in the background doing?",
        "other",
        "what are the",
        [
            "spectating",
            "watching",
            "watching",
            "watching",
            "watching",
            "watching",
            "watching",
            "watching",
            "watching",
            "watching",
        ],
    ),
    (
        393225000,
        393225,
        "Is the bowl full?",
        "yes/no",
        "is the",
        ["no", "no", "no", "no", "no", "no", "no", "no", "no", "yes"],
    ),
    (
        393225001,
        393225,
        "How many spoons?",
        "number",
        "how many",
        ["2", "2", "two", "2", "2", "2", "2", "2", "2", "3"],
    ),
]


def make_vqa(
    root: Path, questions_name: str, annotations_name: str, *, doubled: bool = False
) -> list[tuple]:
    """Official VQA JSON files named as given + ``val2014/`` images; returns the rows.

    ``doubled``: OK-VQA style, 5 answers each written twice in a row.
    """
    rows = [
        (*row[:5], [a for a in row[5][:5] for _ in range(2)] if doubled else row[5])
        for row in VQA_QUESTIONS
    ]
    questions, annotations = [], []
    for qid, image_id, question, answer_type, question_type, answers in rows:
        questions.append({"image_id": image_id, "question": question, "question_id": qid})
        annotations.append(
            {
                "question_type": question_type,
                "multiple_choice_answer": answers[0],
                "answers": [
                    {"answer": a, "answer_confidence": "yes", "answer_id": k + 1}
                    for k, a in enumerate(answers)
                ],
                "image_id": image_id,
                "answer_type": answer_type,
                "question_id": qid,
            }
        )
    for index, image_id in enumerate(sorted({row[1] for row in VQA_QUESTIONS})):
        write_image(root / "val2014" / coco_file(image_id), index)
    write_json(root / questions_name, {"data_subtype": "val2014", "questions": questions})
    write_json(root / annotations_name, {"data_subtype": "val2014", "annotations": annotations})
    return rows


def make_vqav2(root: Path) -> list[tuple]:
    """VQAv2's official file names."""
    return make_vqa(
        root, "v2_OpenEnded_mscoco_val2014_questions.json", "v2_mscoco_val2014_annotations.json"
    )


def make_okvqa(root: Path) -> list[tuple]:
    """OK-VQA's official file names."""
    return make_vqa(
        root,
        "OpenEnded_mscoco_val2014_questions.json",
        "mscoco_val2014_annotations.json",
        doubled=True,
    )


TEXTVQA = [
    (
        34602,
        "0054c91397f2fe05",
        "what is the brand of this camera?",
        [
            "nous les gosses",
            "dakota",
            "clos culombu",
            "dakota digital",
            "dakota",
            "dakota",
            "dakota digital",
            "dakota digital",
            "dakota",
            "dakota",
        ],
    ),
    (
        34603,
        "005635e119b9f32f",
        "what does the small white text spell?",
        ["copenhagen"] * 8 + ["thursday", "copenhagen"],
    ),
]


def make_textvqa(root: Path) -> list[tuple]:
    """``TextVQA_0.5.1_val.json`` + ``train_images/``; returns the rows."""
    data = []
    for index, (qid, image_id, question, answers) in enumerate(TEXTVQA):
        data.append(
            {
                "question": question,
                "image_id": image_id,
                "image_classes": ["Camera"],
                "flickr_original_url": "",
                "flickr_300k_url": "",
                "image_width": 32,
                "image_height": 24,
                "answers": answers,
                "question_tokens": question.split(),
                "question_id": qid,
                "set_name": "val",
            }
        )
        write_image(root / "train_images" / f"{image_id}.jpg", index)
    write_json(
        root / "TextVQA_0.5.1_val.json",
        {
            "dataset_type": "val",
            "dataset_name": "textvqa",
            "dataset_version": "0.5.1",
            "data": data,
        },
    )
    return TEXTVQA
