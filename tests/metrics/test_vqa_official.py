"""VQA accuracy against the official rules on hard generated inputs, and the normalisation
tables against the official strings.

The oracle (``vqa_oracle``) imports nothing from ``bench``; its tables are written out from
the official ``vqaEval.py``. The checksums below were computed from those official strings,
so a changed character in either copy fails here.
"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path

import vqa_oracle as oracle

from bench.metrics import vqa_normalize
from bench.metrics.vqa import vqa_accuracies
from bench.scoring import score

# sha256 of "key\tvalue" lines of the sorted official table, joined by "\n".
OFFICIAL_CONTRACTIONS_SHA256 = "07c68823458c067074e18a20aae4b71490449a1f69ae4c37da28b206b8efc473"
OFFICIAL_CONTRACTION_COUNT = 120


def _table_digest(table: dict[str, str]) -> str:
    lines = "\n".join(f"{k}\t{v}" for k, v in sorted(table.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def test_oracle_table_is_the_official_one() -> None:
    assert len(oracle.CONTRACTIONS) == OFFICIAL_CONTRACTION_COUNT
    assert _table_digest(oracle.CONTRACTIONS) == OFFICIAL_CONTRACTIONS_SHA256


def test_contraction_table_equals_the_official_strings() -> None:
    table = vqa_normalize.CONTRACTIONS
    assert _table_digest(table) == OFFICIAL_CONTRACTIONS_SHA256
    assert table == oracle.CONTRACTIONS
    assert all(text.isascii() for pair in table.items() for text in pair)


def test_other_tables_equal_the_official_ones() -> None:
    assert list(vqa_normalize.PUNCTUATION) == oracle.PUNCT
    assert vqa_normalize.MANUAL_MAP == oracle.MANUAL
    assert sorted(vqa_normalize.ARTICLES) == sorted(oracle.ARTICLES)
    assert oracle.PERIOD_STRIP.pattern == r"(?!<=\d)(\.)(?!\d)"
    # the period and comma-digit rules, on strings the official rules settle by hand
    for text, expected in [("3.", "3"), ("st.louis", "stlouis"), ("3.5", "3.5"), (".5", ".5")]:
        assert vqa_normalize.process_punctuation(text) == expected
    assert vqa_normalize.process_punctuation("a/b 1,000") == "ab 1000"


# --- hard generated questions -------------------------------------------------------------

_WORDS = ["yes", "no", "dog", "red", "st", "louis", "apple", "man", "hot dog", "cat"]
_NUMBERS = ["none", "zero", "one", "two", "three", "ten", "eleven", "0", "1", "2", "3", "10"]
_ARTICLES = ["a", "an", "the"]
_PUNCT = list(";/[]\"{}()=+\\_-><@`,?!.:'#$%&*^~|")
_SPACES = [" ", "  ", "\t", "\n", "\u00a0", "\u2009", "\u3000", "\r", " \t"]


def _case(rng: random.Random, text: str) -> str:
    roll = rng.random()
    if roll < 0.3:
        return text.upper()
    if roll < 0.45:
        return text.title()
    if roll < 0.55:
        return "".join(c.upper() if rng.random() < 0.5 else c for c in text)
    return text


def _contraction_word(rng: random.Random) -> str:
    key, value = rng.choice(sorted(oracle.CONTRACTIONS.items()))
    word = rng.choice([key, value, key.replace("'", ""), value.replace("'", "")])
    if rng.random() < 0.1:
        word = word.replace("'", "\u2019")  # a typographic apostrophe, as users type it
    return word


def _token(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        word = _contraction_word(rng)
    elif roll < 0.55:
        word = rng.choice(_NUMBERS)
    elif roll < 0.65:
        word = rng.choice(_ARTICLES)
    elif roll < 0.75:
        word = f"{rng.randint(0, 9)}{rng.choice(',.')}{rng.randint(0, 999)}"
    else:
        word = rng.choice(_WORDS)
    word = _case(rng, word)
    if rng.random() < 0.35:
        p = rng.choice(_PUNCT)
        word = rng.choice([p + word, word + p, word[:1] + p + word[1:]])
    return word


def _answer(rng: random.Random) -> str:
    words = [_token(rng) for _ in range(rng.choice([1, 1, 1, 2, 2, 3]))]
    text = ""
    for i, word in enumerate(words):
        text += (rng.choice(_SPACES) if i else "") + word
    if rng.random() < 0.2:
        text = rng.choice(_SPACES) + text + rng.choice(_SPACES)
    return text


def _variant(rng: random.Random, text: str) -> str:
    """The same answer as another annotator or a model might write it."""
    roll = rng.random()
    if roll < 0.3:
        return _case(rng, text)
    if roll < 0.45:
        return text.replace("'", "")
    if roll < 0.6:
        return text + rng.choice(["", ".", "!", " ", "\n", "?"])
    if roll < 0.7:
        return rng.choice(_ARTICLES) + " " + text
    return text


def _hard_question(rng: random.Random) -> tuple[list[str], str]:
    base = [_answer(rng) for _ in range(rng.randint(1, 3))]
    n = rng.choice([10, 10, 10, 5, 3, 1])
    if rng.random() < 0.25:
        answers = [base[0]] * n
    else:
        answers = [_variant(rng, rng.choice(base)) for _ in range(n)]
    if rng.random() < 0.03:
        answers[rng.randrange(n)] = ""  # an empty ground-truth answer
    prediction = _variant(rng, rng.choice(answers)) if rng.random() < 0.7 else _answer(rng)
    return answers, prediction


def test_hard_questions_bit_identical_to_the_official_rules() -> None:
    rng = random.Random(19)
    questions = [_hard_question(rng) for _ in range(6000)]
    ours = vqa_accuracies([a for a, _ in questions], [p for _, p in questions]).tolist()
    theirs = [oracle.official_accuracy(a, p) for a, p in questions]
    differ = [i for i, (x, y) in enumerate(zip(ours, theirs, strict=True)) if x != y]
    assert not differ, [(questions[i], ours[i], theirs[i]) for i in differ[:5]]
    # the set really is hard: normalisation decides many questions
    assert len({round(x, 6) for x in theirs}) > 5
    assert 0.2 < sum(theirs) / len(theirs) < 0.9


def test_contractions_without_apostrophes_match_their_spelled_forms() -> None:
    # Each needs the ASCII table: WHOLL -> who'll equals a cleaned WHO'LL; WED'VE. -> we'd've.
    cases = [
        (["who'll", "WHO'LL", "someone"], "WHOLL"),
        (["we'd've", "we", "we"], "WED'VE."),
        (["don't", "do", "do"], "Dont"),
    ]
    for answers, prediction in cases:
        expected = oracle.official_accuracy(answers, prediction)
        assert expected > 0
        assert vqa_accuracies([answers], [prediction]).tolist() == [expected]


# --- files the official evaluation accepts ------------------------------------------------


def _annotation_file(path: Path, questions: list[list[dict[str, object]]]) -> Path:
    annotations = [
        {"question_id": i, "answers": answers, "answer_type": "other", "question_type": "what"}
        for i, answers in enumerate(questions)
    ]
    path.write_text(json.dumps({"annotations": annotations}), encoding="utf-8")
    return path


def test_empty_and_repeated_answer_dicts_score_as_officially(tmp_path: Path) -> None:
    rng = random.Random(7)
    questions: list[list[dict[str, object]]] = []
    predictions: list[str] = []
    for q in range(600):
        answers, prediction = _hard_question(rng)
        kind = q % 4
        if kind == 0:  # no answer_id: equal answers are equal dicts
            dicts: list[dict[str, object]] = [{"answer": a} for a in answers]
        elif kind == 1:  # answer_ids that repeat
            dicts = [{"answer": a, "answer_id": 1 + j % 3} for j, a in enumerate(answers)]
        elif kind == 2:  # an empty answer among the real files' fields
            answers[0] = ""
            dicts = [
                {"answer": a, "answer_confidence": "yes", "answer_id": j + 1}
                for j, a in enumerate(answers)
            ]
        else:
            dicts = [{"answer": a, "answer_id": j + 1} for j, a in enumerate(answers)]
        questions.append(dicts)
        predictions.append(prediction)
    refs = _annotation_file(tmp_path / "annotations.json", questions)
    preds = [{"question_id": i, "answer": p} for i, p in enumerate(predictions)]
    report = score("vqa", preds, refs, bootstrap=0)
    assert report.suite is not None
    ours = report.suite.by_name("accuracy").stats[:, 0].tolist()
    theirs = [
        oracle.official_accuracy_dicts(d, p) for d, p in zip(questions, predictions, strict=True)
    ]
    assert ours == theirs
    assert report.values["accuracy"] == sum(theirs) / len(theirs)


def test_ten_identical_answers_without_ids_score_as_the_script_does() -> None:
    # The script leaves out every dict equal to the one left out: with no answer_id, ten
    # equal "yes" dicts leave no other matching answer, so "yes" scores 0 (its real number).
    dicts: list[dict[str, object]] = [{"answer": "yes"}] * 10
    assert oracle.official_accuracy_dicts(dicts, "yes") == 0.0
    report = score(
        "vqa",
        [{"question_id": 1, "answer": "yes"}],
        {"annotations": [{"question_id": 1, "answers": dicts}]},
        bootstrap=0,
    )
    assert report.values["accuracy"] == 0.0
    assert report.details["questions_with_identical_answer_dicts"] == 1


def test_cli_scores_a_file_with_an_empty_ground_truth_answer(tmp_path: Path) -> None:
    answers = [{"answer": "", "answer_id": 1}] + [
        {"answer": "2", "answer_id": j} for j in range(2, 11)
    ]
    refs = _annotation_file(tmp_path / "refs.json", [answers])
    preds = tmp_path / "preds.json"
    preds.write_text(json.dumps([{"question_id": 0, "answer": "two"}]), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-m", "bench.cli.main", "score", "vqa", "--predictions", str(preds),
         "--references", str(refs), "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    expected = oracle.official_accuracy_dicts(answers, "two")
    assert json.loads(out.stdout)["accuracy"] == expected
