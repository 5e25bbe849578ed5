"""The closed vocabulary of the shapes suite: colours, shape kinds, positions and sizes.

Every entry has one canonical name (stored in scenes, used as the VQA answer) and the
synonyms captions may use instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Colour:
    """A fill colour: canonical name, RGB value and caption synonyms (canonical first)."""

    name: str
    rgb: tuple[int, int, int]
    synonyms: tuple[str, ...]


@dataclass(frozen=True)
class Kind:
    """A shape kind: canonical name, caption synonyms and their plurals (same order)."""

    name: str
    synonyms: tuple[str, ...]
    plurals: tuple[str, ...]


@dataclass(frozen=True)
class Cell:
    """One cell of the 3x3 position grid.

    Attributes:
        name: canonical position name (``top left``, ``center``...), the VQA answer.
        row, col: grid coordinates, 0..2 from the top left.
        bare: synonyms usable alone (``top left``, ``upper left``...), canonical first.
        phrases: prepositional phrases (``in the top left corner``, ``on the left``...).
    """

    name: str
    row: int
    col: int
    bare: tuple[str, ...]
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class SizeClass:
    """A size bucket: canonical name, synonyms and the shape radius range in pixels."""

    name: str
    synonyms: tuple[str, ...]
    radius: tuple[float, float]


COLOURS: tuple[Colour, ...] = (
    Colour("red", (220, 30, 35), ("red", "crimson")),
    Colour("green", (30, 160, 60), ("green",)),
    Colour("blue", (35, 75, 220), ("blue",)),
    Colour("yellow", (235, 200, 20), ("yellow",)),
    Colour("purple", (140, 50, 180), ("purple", "violet")),
    Colour("orange", (245, 130, 20), ("orange",)),
    Colour("gray", (120, 120, 120), ("gray", "grey")),
)

KINDS: tuple[Kind, ...] = (
    Kind("circle", ("circle", "disc"), ("circles", "discs")),
    Kind("square", ("square", "box"), ("squares", "boxes")),
    Kind("triangle", ("triangle",), ("triangles",)),
    Kind("diamond", ("diamond", "rhombus"), ("diamonds", "rhombuses")),
    Kind("cross", ("cross", "plus sign"), ("crosses", "plus signs")),
)


def _corner(name: str, vertical: str, upper: str, side: str) -> Cell:
    row = 0 if vertical == "top" else 2
    col = 0 if side == "left" else 2
    return Cell(
        name=name,
        row=row,
        col=col,
        bare=(name, f"{upper} {side}", f"{vertical}-{side}"),
        phrases=(
            f"in the {name}",
            f"in the {name} corner",
            f"in the {upper} {side} corner",
            f"at the {name}",
        ),
    )


CELLS: tuple[Cell, ...] = (
    _corner("top left", "top", "upper", "left"),
    Cell(
        "top",
        0,
        1,
        ("top", "top middle", "top center"),
        ("at the top", "at the top middle", "at the top center", "near the top"),
    ),
    _corner("top right", "top", "upper", "right"),
    Cell(
        "left",
        1,
        0,
        ("left", "middle left", "left side"),
        ("on the left", "on the left side", "at the left", "in the middle left"),
    ),
    Cell(
        "center",
        1,
        1,
        ("center", "middle", "centre"),
        ("in the center", "in the middle", "in the centre", "at the center"),
    ),
    Cell(
        "right",
        1,
        2,
        ("right", "middle right", "right side"),
        ("on the right", "on the right side", "at the right", "in the middle right"),
    ),
    _corner("bottom left", "bottom", "lower", "left"),
    Cell(
        "bottom",
        2,
        1,
        ("bottom", "bottom middle", "bottom center"),
        ("at the bottom", "at the bottom middle", "at the bottom center", "near the bottom"),
    ),
    _corner("bottom right", "bottom", "lower", "right"),
)

SIZES: tuple[SizeClass, ...] = (
    SizeClass("small", ("small", "little", "tiny"), (4.5, 6.0)),
    SizeClass("large", ("large", "big"), (8.0, 9.5)),
)

#: Light backgrounds, far from every shape colour.
BACKGROUNDS: tuple[tuple[int, int, int], ...] = (
    (255, 255, 255),
    (248, 244, 232),
    (236, 242, 250),
    (240, 248, 238),
)

NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five")

COLOUR_BY_NAME = {c.name: c for c in COLOURS}
KIND_BY_NAME = {k.name: k for k in KINDS}
CELL_BY_NAME = {c.name: c for c in CELLS}
SIZE_BY_NAME = {s.name: s for s in SIZES}


def article(word: str) -> str:
    """``an`` before a vowel-initial word, else ``a``."""
    return "an" if word[:1] in "aeiou" else "a"
