"""Official VQA accuracy: every normalisation rule by hand, and bit-identity with a literal
restatement of the script on generated data."""

from __future__ import annotations

import random

import pytest
from vqa_oracle import official_accuracy

from bench.metrics.vqa import question_accuracies, vqa_accuracies, vqa_metrics
from bench.metrics.vqa_normalize import (
    clean,
    normalize,
    process_digit_article,
    process_punctuation,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  yes\n", "yes"),
        ("\tred\tcar ", "red car"),
        ("a\rb", "a\rb"),  # inner \r stays
        ("\u00a0x\u00a0", "x"),  # outer whitespace of any kind is stripped
    ],
)
def test_clean(text: str, expected: str) -> None:
    assert clean(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("red/blue", "red blue"),  # no space next to '/', no digit,digit: becomes a space
        ("red /blue", "red blue"),  # a space next to '/': deleted everywhere
        ("a/b 1,000", "ab 1000"),  # digit-comma-digit anywhere: every listed char deleted
        ("yes!", "yes "),
        ("yes !", "yes "),
        ("it's: #1 $5 50% a&b *x^ ~y|", "it's: #1 $5 50% a&b *x^ ~y|"),  # not on the list
        ("3.", "3"),  # period not followed by a digit is deleted
        ("st.louis", "stlouis"),
        ("3.5 x", "3.5 x"),
        (".5", ".5"),
        ("a." * 40, "a" * 32 + "a." * 8),  # at most 32 periods removed
        ("(x)", " x "),
        ("x-y_z", "x y z"),
    ],
)
def test_process_punctuation(text: str, expected: str) -> None:
    assert process_punctuation(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Two Dogs", "2 dogs"),
        ("none", "0"),
        ("ten", "10"),
        ("eleven", "eleven"),
        ("a cat and the dog", "cat and dog"),
        ("an apple", "apple"),
        ("dont", "don't"),  # ASCII apostrophes, as in the script's table
        ("wheres", "where's"),
        ("wholl", "who'll"),
        ("hed've", "he'd've"),
        ("Im", "im"),  # capitalised keys never match after lower-casing
        ("let's", "let's"),
        ("don’t", "don’t"),  # a typographic apostrophe is just another character
        ("  many   spaces ", "many spaces"),
    ],
)
def test_process_digit_article(text: str, expected: str) -> None:
    assert process_digit_article(text) == expected


def test_normalize_is_punctuation_then_digits() -> None:
    assert normalize("The two, dogs.") == "2 dogs"


def test_case_matters_when_all_answers_agree() -> None:
    assert vqa_accuracies([["yes"] * 10], ["Yes"]).tolist() == [0.0]
    assert vqa_accuracies([["yes"] * 10], ["yes"]).tolist() == [1.0]


def test_normalisation_when_answers_disagree() -> None:
    answers = [["yes"] * 9 + ["Yes!"]]
    assert vqa_accuracies(answers, ["YES."]).tolist() == [1.0]


def test_leave_one_out_scores() -> None:
    three = ["2"] * 3 + ["3"] * 7
    # matching answers: each sees 2 others (2/3); non-matching see 3 (capped at 1)
    expected = (3 * (2 / 3) + 7 * 1.0) / 10
    assert vqa_accuracies([three], ["two"]) == pytest.approx([expected], abs=0)
    one = ["cat"] + ["dog"] * 9
    assert vqa_accuracies([one], ["cat"]).tolist() == [(9 * (1 / 3)) / 10]


def test_missing_prediction_scores_zero_and_is_reported() -> None:
    suite = vqa_metrics({"1": ["a"] * 10, "2": ["b"] * 10}, {"1": "a"})
    assert suite.by_name("accuracy").value() == 0.5
    assert suite.details["missing_predictions"] == 1
    assert question_accuracies(suite) == {"1": 1.0, "2": 0.0}


def test_breakdowns_by_answer_and_question_type() -> None:
    answers = {"1": ["yes"] * 10, "2": ["no"] * 10, "3": ["2"] * 10}
    preds = {"1": "yes", "2": "yes", "3": "2"}
    suite = vqa_metrics(
        answers,
        preds,
        answer_types={"1": "yes/no", "2": "yes/no", "3": "number"},
        question_types={"1": "is the", "2": "is the", "3": "how many"},
    )
    assert suite.details["per_answer_type"] == {"number": 1.0, "yes/no": 0.5}
    assert suite.details["per_question_type"] == {"how many": 1.0, "is the": 0.5}
    assert suite.details["accuracy_percent_official"] == 66.67


def test_non_string_answers_are_rejected() -> None:
    with pytest.raises(TypeError, match="question '1'"):
        vqa_metrics({"1": ["a", 3]}, {"1": "a"})  # type: ignore[list-item]


VOCAB = [
    "yes",
    "Yes",
    "no",
    "No.",
    "2",
    "two",
    "Two",
    "a dog",
    "the dog",
    "dog",
    "dogs",
    "red",
    "red!",
    "red, blue",
    "1,000",
    "1000",
    "3.5",
    "3.",
    "st.louis",
    "st louis",
    "dont",
    "don’t",
    "don't",
    "none",
    "0",
    "  yes ",
    "yes\n",
    "blue/green",
    "blue green",
    "hi-fi",
    "hi fi",
    "10:30",
    "an apple",
    "apple",
    "x.y.z",
    "(a)",
    "a",
]


def _question(rng: random.Random) -> tuple[list[str], str]:
    roll = rng.random()
    if roll < 0.3:
        answers = [rng.choice(VOCAB)] * 10
    else:
        pool = rng.sample(VOCAB, rng.randint(2, 4))
        answers = [rng.choice(pool) for _ in range(rng.choice([10, 10, 10, 3, 7]))]
    prediction = rng.choice(answers) if rng.random() < 0.5 else rng.choice(VOCAB)
    return answers, prediction


def test_bit_identical_to_the_literal_script_on_generated_questions() -> None:
    rng = random.Random(3)
    questions = [_question(rng) for _ in range(4000)]
    ours = vqa_accuracies([q[0] for q in questions], [q[1] for q in questions]).tolist()
    theirs = [official_accuracy(a, p) for a, p in questions]
    assert ours == theirs  # exact float equality, question by question
