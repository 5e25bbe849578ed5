"""The VQA question grammar: colour, count, shape, position and yes/no questions about a scene.

Each question comes with its canonical answer, the spellings annotators may use and the
plausible wrong answers (see :mod:`bench.data.shapes.answers`). ``question_type`` is the
question's opening words, as in the official VQA files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bench.data.shapes.answers import AnswerSpace, surface_variants
from bench.data.shapes.scene import Scene, Shape
from bench.data.shapes.vocab import (
    CELL_BY_NAME,
    CELLS,
    COLOUR_BY_NAME,
    COLOURS,
    KIND_BY_NAME,
    KINDS,
    article,
)

QUESTIONS_PER_IMAGE = 4
_MAX_ATTEMPTS = 50
ANSWER_TYPES = ("yes/no", "number", "other")


@dataclass(frozen=True)
class Question:
    """A question about one scene and the space its annotators answer from."""

    text: str
    question_type: str
    answer_type: str
    space: AnswerSpace


def _pick(rng: np.random.Generator, items: list[Shape]) -> Shape:
    return items[int(rng.integers(len(items)))]


def _unique_kind(scene: Scene, shape: Shape) -> bool:
    return sum(s.kind == shape.kind for s in scene.shapes) == 1


def _unique_colour(scene: Scene, shape: Shape) -> bool:
    return sum(s.color == shape.color for s in scene.shapes) == 1


def _where(shape: Shape) -> str:
    return CELL_BY_NAME[shape.position].phrases[0]


def _others(pool: list[str], exclude: set[str]) -> tuple[str, ...]:
    return tuple(p for p in pool if p not in exclude)


def _colour_question(rng: np.random.Generator, scene: Scene) -> Question:
    target = _pick(rng, list(scene.shapes))
    subject = target.kind if _unique_kind(scene, target) else f"{target.kind} {_where(target)}"
    present = [s.color for s in scene.shapes if s is not target]
    wrong = present + list(_others([c.name for c in COLOURS], {target.color, *present}))[:2]
    return Question(
        text=f"what color is the {subject}?",
        question_type="what color is the",
        answer_type="other",
        space=AnswerSpace(
            target.color,
            surface_variants(target.color, COLOUR_BY_NAME[target.color].synonyms),
            tuple(wrong),
        ),
    )


def _count_answer(n: int) -> AnswerSpace:
    wrong = tuple(str(v) for v in (n - 1, n + 1) if v >= 0)
    return AnswerSpace(str(n), surface_variants(str(n)), wrong)


def _count_question(rng: np.random.Generator, scene: Scene) -> Question:
    form = rng.random()
    if form < 0.35:
        text, n = "how many shapes are there?", len(scene.shapes)
    elif form < 0.7:
        colour = _pick(rng, list(scene.shapes)).color if rng.random() < 0.6 else None
        colour = colour or COLOURS[int(rng.integers(len(COLOURS)))].name
        text = f"how many {colour} shapes are there?"
        n = sum(s.color == colour for s in scene.shapes)
    else:
        kind_name = _pick(rng, list(scene.shapes)).kind if rng.random() < 0.6 else None
        kind = KIND_BY_NAME[kind_name or KINDS[int(rng.integers(len(KINDS)))].name]
        text = f"how many {kind.plurals[0]} are there?"
        n = sum(s.kind == kind.name for s in scene.shapes)
    return Question(text, "how many", "number", _count_answer(n))


def _shape_question(rng: np.random.Generator, scene: Scene) -> Question:
    target = _pick(rng, list(scene.shapes))
    if _unique_colour(scene, target):
        noun = "object" if rng.random() < 0.6 else "thing"
        text = f"what shape is the {target.color} {noun}?"
    else:
        text = f"what shape is the object {_where(target)}?"
    present = [s.kind for s in scene.shapes if s is not target]
    wrong = present + list(_others([k.name for k in KINDS], {target.kind, *present}))[:2]
    synonyms = KIND_BY_NAME[target.kind].synonyms
    space = AnswerSpace(target.kind, surface_variants(target.kind, synonyms), tuple(wrong))
    return Question(text, "what shape is the", "other", space)


def _neighbours(position: str) -> tuple[str, ...]:
    cell = CELL_BY_NAME[position]
    return tuple(
        c.name
        for c in CELLS
        if c.name != position and abs(c.row - cell.row) <= 1 and abs(c.col - cell.col) <= 1
    )


def _position_question(rng: np.random.Generator, scene: Scene) -> Question:
    target = _pick(rng, list(scene.shapes))
    if _unique_kind(scene, target) and rng.random() < 0.5:
        text = f"where is the {target.kind}?"
    else:
        text = f"where is the {target.color} {target.kind}?"
    synonyms = CELL_BY_NAME[target.position].bare
    space = AnswerSpace(
        target.position,
        surface_variants(target.position, synonyms),
        _neighbours(target.position),
    )
    return Question(text, "where is the", "other", space)


def _yes_no(answer: bool) -> AnswerSpace:
    canonical, opposite = ("yes", "no") if answer else ("no", "yes")
    return AnswerSpace(canonical, surface_variants(canonical), (opposite,))


def _absent_pair(rng: np.random.Generator, scene: Scene) -> tuple[str, str]:
    """A (colour, kind) not in the scene that shares its colour or kind with a shape in it."""
    present = {(s.color, s.kind) for s in scene.shapes}
    anchor = _pick(rng, list(scene.shapes))
    candidates = [(anchor.color, k.name) for k in KINDS] + [(c.name, anchor.kind) for c in COLOURS]
    absent = [p for p in candidates if p not in present]
    return absent[int(rng.integers(len(absent)))]


def _yes_no_question(rng: np.random.Generator, scene: Scene) -> Question:
    truth = bool(rng.random() < 0.5)
    form = rng.random()
    if form < 0.5:
        if truth:
            target = _pick(rng, list(scene.shapes))
            colour, kind = target.color, target.kind
        else:
            colour, kind = _absent_pair(rng, scene)
        text = f"is there {article(colour)} {colour} {kind}?"
        return Question(text, "is there a", "yes/no", _yes_no(truth))
    if form < 0.75:
        target = _pick(
            rng, [s for s in scene.shapes if _unique_kind(scene, s)] or list(scene.shapes)
        )
        colour = target.color
        if not truth:
            other_colours = _others([c.name for c in COLOURS], {target.color})
            colour = other_colours[int(rng.integers(len(other_colours)))]
        subject = target.kind if _unique_kind(scene, target) else f"{target.kind} {_where(target)}"
        return Question(f"is the {subject} {colour}?", "is the", "yes/no", _yes_no(truth))
    present = sorted({s.color for s in scene.shapes})
    absent = _others([c.name for c in COLOURS], set(present))
    pool = present if truth else list(absent)
    colour = pool[int(rng.integers(len(pool)))]
    return Question(f"are there any {colour} shapes?", "are there any", "yes/no", _yes_no(truth))


QuestionMaker = Callable[[np.random.Generator, Scene], Question]
#: (maker, weight): how often each kind of question is asked.
MAKERS: tuple[tuple[QuestionMaker, float], ...] = (
    (_colour_question, 0.2),
    (_count_question, 0.2),
    (_shape_question, 0.15),
    (_position_question, 0.2),
    (_yes_no_question, 0.25),
)


def make_questions(
    rng: np.random.Generator, scene: Scene, n: int = QUESTIONS_PER_IMAGE
) -> list[Question]:
    """``n`` questions about ``scene`` with distinct texts."""
    weights = np.array([w for _, w in MAKERS])
    questions: list[Question] = []
    for _ in range(_MAX_ATTEMPTS * n):
        maker = MAKERS[int(rng.choice(len(MAKERS), p=weights / weights.sum()))][0]
        question = maker(rng, scene)
        if all(q.text != question.text for q in questions):
            questions.append(question)
        if len(questions) == n:
            return questions
    raise RuntimeError(f"could not draw {n} distinct questions about {scene.to_json()}")
