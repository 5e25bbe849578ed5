"""The caption grammar: five different true descriptions of a shape scene.

Every caption names the colour and kind of every shape. Each of the five uses a different
sentence style (plain list, prefixed list, counted list, ``position: shape`` tags, ``the X is
at P`` clauses, ``at P there is X``), its own synonyms, shape order and level of detail
(position and size are each mentioned or not; three of the styles always give positions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bench.data.shapes.scene import Scene, Shape
from bench.data.shapes.vocab import (
    CELL_BY_NAME,
    COLOUR_BY_NAME,
    KIND_BY_NAME,
    NUMBER_WORDS,
    SIZE_BY_NAME,
    article,
)

CAPTIONS_PER_IMAGE = 5
#: Probability that a caption whose style allows it mentions positions / sizes.
P_POSITION = 0.6
P_SIZE = 0.5
#: Probability of the canonical word rather than one of its synonyms.
P_CANONICAL = 0.6


@dataclass(frozen=True)
class Words:
    """The words one caption uses for one shape."""

    colour: str
    kind: str
    size: str
    bare: str
    phrase: str

    def noun(self, with_size: bool) -> str:
        """``[size] colour kind``."""
        return (
            f"{self.size} {self.colour} {self.kind}" if with_size else f"{self.colour} {self.kind}"
        )


@dataclass(frozen=True)
class Plan:
    """One caption's choices: the shapes in mention order, their words and the detail level."""

    words: tuple[Words, ...]
    with_position: bool
    with_size: bool
    rng: np.random.Generator

    def pick(self, options: Sequence[str]) -> str:
        """A uniformly chosen option."""
        return options[int(self.rng.integers(len(options)))]

    def det(self, noun: str) -> str:
        """``a``/``an`` or, sometimes, ``one``."""
        return "one" if self.rng.random() < 0.2 else article(noun)

    def noun_phrase(self, w: Words, with_position: bool) -> str:
        """``a [size] colour kind [position phrase]``."""
        noun = w.noun(self.with_size)
        text = f"{self.det(noun)} {noun}"
        return f"{text} {w.phrase}" if with_position else text


def _synonym(rng: np.random.Generator, options: Sequence[str]) -> str:
    if len(options) == 1 or rng.random() < P_CANONICAL:
        return options[0]
    return options[1 + int(rng.integers(len(options) - 1))]


def _words(rng: np.random.Generator, shape: Shape) -> Words:
    cell = CELL_BY_NAME[shape.position]
    return Words(
        colour=_synonym(rng, COLOUR_BY_NAME[shape.color].synonyms),
        kind=_synonym(rng, KIND_BY_NAME[shape.kind].synonyms),
        size=_synonym(rng, SIZE_BY_NAME[shape.size].synonyms),
        bare=_synonym(rng, cell.bare),
        phrase=cell.phrases[int(rng.integers(len(cell.phrases)))],
    )


def join_list(items: Sequence[str], rng: np.random.Generator) -> str:
    """``x``, ``x and y``, ``x, y and z`` (sometimes with a serial comma)."""
    if len(items) == 1:
        return items[0]
    head = ", ".join(items[:-1])
    comma = "," if len(items) > 2 and rng.random() < 0.3 else ""
    return f"{head}{comma} and {items[-1]}"


def _plain_list(plan: Plan) -> str:
    return join_list([plan.noun_phrase(w, plan.with_position) for w in plan.words], plan.rng)


def _prefixed_list(plan: Plan) -> str:
    prefix = plan.pick(("there is", "an image with", "a picture of", "a drawing of"))
    return f"{prefix} {_plain_list(plan)}"


def _counted_list(plan: Plan) -> str:
    n = len(plan.words)
    count = NUMBER_WORDS[n]
    head = (
        f"there is {count} shape:"
        if n == 1
        else plan.pick((f"there are {count} shapes:", f"{count} shapes:"))
    )
    return f"{head} {_plain_list(plan)}"


def _tagged(plan: Plan) -> str:
    tags = []
    for w in plan.words:
        noun = w.noun(plan.with_size)
        tags.append(f"{w.bare}: {plan.det(noun)} {noun}")
    return plan.pick(("; ", ", ")).join(tags)


def _clauses(plan: Plan) -> str:
    parts = [f"the {w.noun(plan.with_size)} is {w.phrase}" for w in plan.words]
    return join_list(parts, plan.rng)


def _located(plan: Plan) -> str:
    parts = []
    for w in plan.words:
        verb = plan.pick(("there is", "is"))
        parts.append(f"{w.phrase} {verb} {plan.noun_phrase(w, with_position=False)}")
    return join_list(parts, plan.rng)


Style = Callable[[Plan], str]
#: (style, whether it can leave positions out).
STYLES: tuple[tuple[Style, bool], ...] = (
    (_plain_list, True),
    (_prefixed_list, True),
    (_counted_list, True),
    (_tagged, False),
    (_clauses, False),
    (_located, False),
)


def _order(rng: np.random.Generator, shapes: tuple[Shape, ...]) -> list[Shape]:
    draw = rng.random()
    if draw < 0.5:
        return list(shapes)  # reading order
    if draw < 0.8:
        return [shapes[int(i)] for i in rng.permutation(len(shapes))]
    return sorted(shapes, key=lambda s: -s.r)  # largest first


def _caption(rng: np.random.Generator, scene: Scene, style: Style, optional_position: bool) -> str:
    order = _order(rng, scene.shapes)
    with_position = bool(rng.random() < P_POSITION) if optional_position else True
    plan = Plan(
        words=tuple(_words(rng, s) for s in order),
        with_position=with_position,
        with_size=bool(rng.random() < P_SIZE),
        rng=rng,
    )
    return style(plan)


def make_captions(rng: np.random.Generator, scene: Scene, n: int = CAPTIONS_PER_IMAGE) -> list[str]:
    """``n`` distinct captions of ``scene``, each in a different style (``n`` <= 6)."""
    styles = [STYLES[int(i)] for i in rng.permutation(len(STYLES))[:n]]
    captions: list[str] = []
    for style, optional_position in styles:
        caption = _caption(rng, scene, style, optional_position)
        while caption in captions:  # same style never repeats, but stay safe
            caption = _caption(rng, scene, style, optional_position)
        captions.append(caption)
    return captions
