"""Shape scenes: what an image contains, sampled from a seeded generator.

A scene places 1 to 3 shapes in distinct cells of a 3x3 grid over the image. Each shape
stays entirely inside its cell, so its position word is never ambiguous, and no two shapes
share both colour and kind, so "the red circle" always names one shape.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.data.shapes.spec import IMAGE_SIZE
from bench.data.shapes.vocab import BACKGROUNDS, CELL_BY_NAME, CELLS, COLOURS, KINDS, SIZES

#: Probability of 1, 2 and 3 shapes in a scene.
SHAPE_COUNT_PROBS = (0.2, 0.4, 0.4)
#: Gap kept between a shape and its cell border, in pixels.
CELL_MARGIN = 0.6
#: One split in this many holds a given scene (see :func:`in_test_partition`).
TEST_PARTITION = 4


@dataclass(frozen=True)
class Shape:
    """One shape: canonical colour, kind, grid cell and size, plus exact geometry in pixels."""

    kind: str
    color: str
    position: str
    size: str
    x: float
    y: float
    r: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "kind": self.kind,
            "color": self.color,
            "position": self.position,
            "size": self.size,
            "x": self.x,
            "y": self.y,
            "r": self.r,
        }


@dataclass(frozen=True)
class Scene:
    """A background colour and 1 to 3 shapes, in reading order (top to bottom, left to right)."""

    background: tuple[int, int, int]
    shapes: tuple[Shape, ...]

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, no spaces): stored in the ``scene`` column."""
        data = {"background": list(self.background), "shapes": [s.to_dict() for s in self.shapes]}
        return json.dumps(data, sort_keys=True, separators=(",", ":"))

    def signature(self) -> tuple[tuple[str, str, str, str], ...]:
        """What a fully detailed caption can tell apart: colour, kind, cell, size per shape."""
        return tuple((s.color, s.kind, s.position, s.size) for s in self.shapes)


def scene_from_json(text: str) -> Scene:
    """Inverse of :meth:`Scene.to_json`."""
    data = json.loads(text)
    background = tuple(int(v) for v in data["background"])
    shapes = tuple(
        Shape(
            kind=str(s["kind"]),
            color=str(s["color"]),
            position=str(s["position"]),
            size=str(s["size"]),
            x=float(s["x"]),
            y=float(s["y"]),
            r=float(s["r"]),
        )
        for s in data["shapes"]
    )
    return Scene(background=(background[0], background[1], background[2]), shapes=shapes)


def cell_bounds(position: str) -> tuple[float, float, float, float]:
    """``(left, top, right, bottom)`` of a grid cell, in pixels."""
    cell = CELL_BY_NAME[position]
    step = IMAGE_SIZE / 3
    return (cell.col * step, cell.row * step, (cell.col + 1) * step, (cell.row + 1) * step)


def _sample_shape(rng: np.random.Generator, cell_index: int, pair: tuple[int, int]) -> Shape:
    cell = CELLS[cell_index]
    size = SIZES[int(rng.integers(len(SIZES)))]
    radius = float(rng.uniform(*size.radius))
    left, top, right, bottom = cell_bounds(cell.name)
    slack = (right - left) / 2 - radius - CELL_MARGIN
    x = (left + right) / 2 + float(rng.uniform(-slack, slack))
    y = (top + bottom) / 2 + float(rng.uniform(-slack, slack))
    colour_index, kind_index = pair
    return Shape(
        kind=KINDS[kind_index].name,
        color=COLOURS[colour_index].name,
        position=cell.name,
        size=size.name,
        x=round(x, 2),
        y=round(y, 2),
        r=round(radius, 2),
    )


def sample_scene(rng: np.random.Generator) -> Scene:
    """Draw one scene: shape count, distinct cells, distinct (colour, kind) pairs, geometry."""
    count = int(rng.choice(len(SHAPE_COUNT_PROBS), p=SHAPE_COUNT_PROBS)) + 1
    cells = sorted(int(c) for c in rng.choice(len(CELLS), size=count, replace=False))
    pair_ids = rng.choice(len(COLOURS) * len(KINDS), size=count, replace=False)
    pairs = [(int(p) // len(KINDS), int(p) % len(KINDS)) for p in pair_ids]
    background = BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))]
    shapes = tuple(_sample_shape(rng, c, p) for c, p in zip(cells, pairs, strict=True))
    return Scene(background=background, shapes=shapes)


def in_test_partition(scene_json: str) -> bool:
    """Whether a scene belongs to the test side of the fixed train/test partition.

    The partition depends only on the scene's content, never on the seed, so no image can
    appear in both a train and a test split, whatever seeds produced them.
    """
    digest = hashlib.blake2b(scene_json.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % TEST_PARTITION == 0
