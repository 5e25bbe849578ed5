"""Shapes VQA: true answers, realistic annotator variation, official-format exports."""

from __future__ import annotations

import json
import os
import re

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from collections import Counter
from typing import Any

import pytest

from bench.data.shapes import build_split, to_vqa_official
from bench.data.shapes.answers import most_common_answer, normalize

PLURALS = {
    "circles": "circle",
    "squares": "square",
    "triangles": "triangle",
    "diamonds": "diamond",
    "crosses": "cross",
}
PHRASE_CELL = {
    "in the top left": "top left",
    "at the top": "top",
    "in the top right": "top right",
    "on the left": "left",
    "in the center": "center",
    "on the right": "right",
    "in the bottom left": "bottom left",
    "at the bottom": "bottom",
    "in the bottom right": "bottom right",
}
NUMBER_WORDS = {"zero": "0", "none": "0", "one": "1", "two": "2", "three": "3", "four": "4"}
ANSWER_TYPE = {
    "how many": "number",
    "is there a": "yes/no",
    "is the": "yes/no",
    "are there any": "yes/no",
    "what color is the": "other",
    "what shape is the": "other",
    "where is the": "other",
}
PHRASES = "|".join(PHRASE_CELL)


def select(shapes: list[dict[str, Any]], phrase: str | None, **fields: str) -> dict[str, Any]:
    """The one shape matching the fields (and the position phrase, if any)."""
    if phrase:
        fields["position"] = PHRASE_CELL[phrase]
    found = [s for s in shapes if all(s[k] == v for k, v in fields.items())]
    assert len(found) == 1, (fields, shapes)
    return found[0]


def truth(question: str, shapes: list[dict[str, Any]]) -> str:
    """The answer, worked out from the scene by reading the question independently."""
    yes_no = {True: "yes", False: "no"}
    if question == "how many shapes are there?":
        return str(len(shapes))
    if m := re.fullmatch(r"how many (\w+) shapes are there\?", question):
        return str(sum(s["color"] == m[1] for s in shapes))
    if m := re.fullmatch(r"how many (\w+) are there\?", question):
        return str(sum(s["kind"] == PLURALS[m[1]] for s in shapes))
    if m := re.fullmatch(rf"what color is the (\w+)(?: ({PHRASES}))?\?", question):
        return str(select(shapes, m[2], kind=m[1])["color"])
    if m := re.fullmatch(r"what shape is the (\w+) (?:object|thing)\?", question):
        return str(select(shapes, None, color=m[1])["kind"])
    if m := re.fullmatch(rf"what shape is the object ({PHRASES})\?", question):
        return str(select(shapes, m[1])["kind"])
    if m := re.fullmatch(r"where is the (?:(\w+) )?(\w+)\?", question):
        fields = {"kind": m[2]} | ({"color": m[1]} if m[1] else {})
        return str(select(shapes, None, **fields)["position"])
    if m := re.fullmatch(r"is there an? (\w+) (\w+)\?", question):
        return yes_no[any(s["color"] == m[1] and s["kind"] == m[2] for s in shapes)]
    if m := re.fullmatch(rf"is the (\w+)(?: ({PHRASES}))? (\w+)\?", question):
        return yes_no[select(shapes, m[2], kind=m[1])["color"] == m[3]]
    if m := re.fullmatch(r"are there any (\w+) shapes\?", question):
        return yes_no[any(s["color"] == m[1] for s in shapes)]
    raise AssertionError(f"unexpected question form: {question}")


def official_key(answer: str) -> str:
    """Hand-rolled form of the official normalisation, enough for these answers."""
    words = re.sub(r"[^\w\s]", " ", answer.lower().replace(".", "")).split()
    return " ".join(NUMBER_WORDS.get(w, w) for w in words if w not in ("a", "an", "the"))


@pytest.fixture(scope="module")
def vqa() -> list[dict[str, Any]]:
    return list(build_split("vqa", "test").remove_columns("image"))


def test_question_types_answer_types_and_ten_answers(vqa: list[dict[str, Any]]) -> None:
    assert len(vqa) == 1000
    for row in vqa:
        assert len(row["answers"]) == 10
        assert row["question"].startswith(row["question_type"])
        assert row["answer_type"] == ANSWER_TYPE[row["question_type"]]
    types = Counter(row["answer_type"] for row in vqa)
    assert set(types) == {"yes/no", "number", "other"}
    assert min(types.values()) > 150
    assert set(Counter(row["question_type"] for row in vqa)) == set(ANSWER_TYPE)


def test_several_questions_per_image(vqa: list[dict[str, Any]]) -> None:
    per_image = Counter(row["image_id"] for row in vqa)
    assert len(per_image) >= 200
    assert min(per_image.values()) >= 1 and max(per_image.values()) >= 3
    scenes_per_image: dict[str, set[str]] = {}
    for row in vqa:
        scenes_per_image.setdefault(row["image_id"], set()).add(row["scene"])
    assert all(len(s) == 1 for s in scenes_per_image.values())


def test_most_common_answer_is_the_true_one(vqa: list[dict[str, Any]]) -> None:
    for row in vqa:
        expected = truth(row["question"], json.loads(row["scene"])["shapes"])
        assert row["multiple_choice_answer"] == expected, row


def test_multiple_choice_answer_is_the_most_frequent(vqa: list[dict[str, Any]]) -> None:
    for row in vqa:
        counts = Counter(official_key(a) for a in row["answers"])
        assert counts[row["multiple_choice_answer"]] == max(counts.values()), row


def test_answers_vary_like_real_annotators(vqa: list[dict[str, Any]]) -> None:
    unanimous = sum(len(set(row["answers"])) == 1 for row in vqa) / len(vqa)
    assert 0.15 < unanimous < 0.5
    answers = Counter(a for row in vqa for a in row["answers"])
    for variant in ("two", "yeah", "yep", "Yes", "No", "nope", "grey", "upper left", "none"):
        assert answers[variant] > 0, variant
    assert any(a.endswith(".") for a in answers)
    wrong_shares = []
    for row in vqa:
        right = official_key(row["multiple_choice_answer"])
        wrong = sum(official_key(a) != right for a in row["answers"])
        wrong_shares.append(wrong)
    # Synonyms (grey, yeah, upper left) count as disagreement here, like the official script.
    with_disagreement = sum(w > 0 for w in wrong_shares) / len(vqa)
    assert 0.4 < with_disagreement < 0.85
    # The true answer keeps 4+ votes, so it scores 100% under the official leave-one-out rule.
    assert max(wrong_shares) <= 6


def test_yes_no_questions_are_balanced(vqa: list[dict[str, Any]]) -> None:
    answers = Counter(r["multiple_choice_answer"] for r in vqa if r["answer_type"] == "yes/no")
    assert set(answers) == {"yes", "no"}
    assert abs(answers["yes"] - answers["no"]) / sum(answers.values()) < 0.2


def test_official_export_parses_and_matches() -> None:
    dataset = build_split("vqa", "test", size=60)
    questions, annotations = to_vqa_official(dataset)
    questions = json.loads(json.dumps(questions))
    annotations = json.loads(json.dumps(annotations))
    assert len(questions["questions"]) == len(annotations["annotations"]) == 60
    by_id = {a["question_id"]: a for a in annotations["annotations"]}
    for row, question in zip(dataset.remove_columns("image"), questions["questions"], strict=True):
        assert question == {
            "image_id": int(row["image_id"]),
            "question": row["question"],
            "question_id": int(row["id"]),
        }
        annotation = by_id[int(row["id"])]
        assert annotation["image_id"] == int(row["image_id"])
        assert annotation["question_type"] == row["question_type"]
        assert annotation["answer_type"] == row["answer_type"]
        assert annotation["multiple_choice_answer"] == row["multiple_choice_answer"]
        assert [a["answer"] for a in annotation["answers"]] == row["answers"]
        assert [a["answer_id"] for a in annotation["answers"]] == list(range(1, 11))
        assert {a["answer_confidence"] for a in annotation["answers"]} <= {"yes", "maybe", "no"}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Two.", "2"),
        ("none", "0"),
        ("the top-left", "top left"),
        ("Yes.", "yes"),
        ("yeah", "yeah"),
        ("upper left", "upper left"),
    ],
)
def test_normalize_examples(answer: str, expected: str) -> None:
    assert normalize(answer) == expected


def test_most_common_answer_examples() -> None:
    assert most_common_answer(["2", "two", "3", "3", "Two."]) == "2"
    assert most_common_answer(["yes", "yeah", "yeah", "Yes"]) == "yes"  # tie: first given wins
    assert most_common_answer(["grey", "gray", "grey"]) == "grey"
