"""Ten simulated annotator answers per VQA question, with realistic disagreement.

Annotators mostly give the canonical answer; some write a form the official evaluation
normalises to it ("Yes", "two", "2."), some a true synonym it does not ("yeah", "grey",
"upper left"), and a minority answer wrongly. A share of questions gets ten identical
answers, as in the real data.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.data.shapes.vocab import NUMBER_WORDS

ANSWERS_PER_QUESTION = 10
#: Share of questions whose ten answers are all the canonical one.
P_UNANIMOUS = 0.3
#: Per-question error rate is uniform on [0, MAX_ERROR_RATE]; at most MAX_WRONG are wrong.
MAX_ERROR_RATE = 0.25
MAX_WRONG = 3
#: Probability that a right answer is written exactly in canonical form.
P_CANONICAL = 0.7
#: Fewest answers that must agree with the canonical one (after normalisation).
MIN_AGREEING = 4
_MAX_DRAWS = 20

_YES = ("Yes", "yes.", "yeah", "yep", "Yes.")
_NO = ("No", "no.", "nope", "No.")


@dataclass(frozen=True)
class AnswerSpace:
    """A question's canonical answer, its other spellings and the plausible wrong answers."""

    canonical: str
    variants: tuple[str, ...]
    wrong: tuple[str, ...]


def surface_variants(answer: str, synonyms: Sequence[str] = ()) -> tuple[str, ...]:
    """Ways an annotator may write ``answer``: capitalised, with a period, or a synonym."""
    if answer == "yes":
        return _YES
    if answer == "no":
        return _NO
    forms = [answer.capitalize(), f"{answer}."]
    if answer.isdigit() and int(answer) < len(NUMBER_WORDS):
        word = NUMBER_WORDS[int(answer)]
        forms += [word, word.capitalize()]
        if answer == "0":
            forms.append("none")
    if " " in answer:
        forms.append(answer.replace(" ", "-"))
        forms.append(f"the {answer}")
    forms += [s for s in synonyms if s != answer]
    return tuple(forms)


def annotate(rng: np.random.Generator, space: AnswerSpace) -> list[str]:
    """Ten answers for one question, in annotator order.

    The canonical answer (with the spellings normalised to it) always stays the most
    common one and is given at least :data:`MIN_AGREEING` times, so the question's
    ``multiple_choice_answer`` is its true answer and scores full official accuracy.
    """
    if rng.random() < P_UNANIMOUS or not space.variants:
        return [space.canonical] * ANSWERS_PER_QUESTION
    for _ in range(_MAX_DRAWS):
        answers = _draw(rng, space)
        agreeing = sum(normalize(a) == space.canonical for a in answers)
        if agreeing >= MIN_AGREEING and most_common_answer(answers) == space.canonical:
            return answers
    return [space.canonical] * ANSWERS_PER_QUESTION


def _draw(rng: np.random.Generator, space: AnswerSpace) -> list[str]:
    rate = float(rng.uniform(0.0, MAX_ERROR_RATE))
    n_wrong = min(int(rng.binomial(ANSWERS_PER_QUESTION, rate)), MAX_WRONG) if space.wrong else 0
    wrong_slots = set(int(i) for i in rng.choice(ANSWERS_PER_QUESTION, size=n_wrong, replace=False))
    answers: list[str] = []
    for slot in range(ANSWERS_PER_QUESTION):
        if slot in wrong_slots:
            answers.append(space.wrong[int(rng.integers(len(space.wrong)))])
        elif rng.random() < P_CANONICAL:
            answers.append(space.canonical)
        else:
            answers.append(space.variants[int(rng.integers(len(space.variants)))])
    return answers


_PUNCT = re.compile(r"[^\w\s]")
_ARTICLES = {"a", "an", "the"}
_NUMBERS = {w: str(i) for i, w in enumerate(NUMBER_WORDS)} | {"none": "0"}


def normalize(answer: str) -> str:
    """Lower-case, punctuation to spaces, number words to digits, articles dropped.

    A simplification of the official VQA answer processing that agrees with it on every
    answer this generator writes; used to pick the most common answer.
    """
    words = _PUNCT.sub(" ", answer.lower()).split()
    return " ".join(_NUMBERS.get(w, w) for w in words if w not in _ARTICLES)


def most_common_answer(answers: Sequence[str]) -> str:
    """The normalised answer given most often (ties go to the one given first)."""
    keys = [normalize(a) for a in answers]
    counts = Counter(keys)
    best = max(counts.values())
    return next(k for k in keys if counts[k] == best)
