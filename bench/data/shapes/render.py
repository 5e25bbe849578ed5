"""Rendering scenes to 64x64 RGB images with Pillow.

Shapes are drawn at 4x the final size and box-filtered down, which anti-aliases edges while
leaving every shape's interior exactly its colour.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageDraw

from bench.data.shapes.faces import FaceScene
from bench.data.shapes.scene import Scene, Shape
from bench.data.shapes.spec import IMAGE_SIZE
from bench.data.shapes.vocab import COLOUR_BY_NAME

SUPERSAMPLE = 4
_OUTLINE = (40, 30, 30)
_SUN = (250, 200, 30)
_CLOUD = (150, 155, 165)
_RAIN = (60, 110, 220)

Point = tuple[float, float]


def _scaled(points: list[Point]) -> list[Point]:
    return [(px * SUPERSAMPLE, py * SUPERSAMPLE) for px, py in points]


def _box(x: float, y: float, half_w: float, half_h: float) -> list[Point]:
    return _scaled([(x - half_w, y - half_h), (x + half_w, y + half_h)])


def _circle(draw: ImageDraw.ImageDraw, s: Shape, fill: tuple[int, int, int]) -> None:
    draw.ellipse(_box(s.x, s.y, s.r, s.r), fill=fill)


def _square(draw: ImageDraw.ImageDraw, s: Shape, fill: tuple[int, int, int]) -> None:
    draw.rectangle(_box(s.x, s.y, 0.85 * s.r, 0.85 * s.r), fill=fill)


def _triangle(draw: ImageDraw.ImageDraw, s: Shape, fill: tuple[int, int, int]) -> None:
    points = [
        (s.x, s.y - s.r),
        (s.x + 0.95 * s.r, s.y + 0.8 * s.r),
        (s.x - 0.95 * s.r, s.y + 0.8 * s.r),
    ]
    draw.polygon(_scaled(points), fill=fill)


def _diamond(draw: ImageDraw.ImageDraw, s: Shape, fill: tuple[int, int, int]) -> None:
    points = [(s.x, s.y - s.r), (s.x + 0.8 * s.r, s.y), (s.x, s.y + s.r), (s.x - 0.8 * s.r, s.y)]
    draw.polygon(_scaled(points), fill=fill)


def _cross(draw: ImageDraw.ImageDraw, s: Shape, fill: tuple[int, int, int]) -> None:
    arm = 0.32 * s.r
    draw.rectangle(_box(s.x, s.y, s.r, arm), fill=fill)
    draw.rectangle(_box(s.x, s.y, arm, s.r), fill=fill)


_DRAWERS: dict[str, Callable[[ImageDraw.ImageDraw, Shape, tuple[int, int, int]], None]] = {
    "circle": _circle,
    "square": _square,
    "triangle": _triangle,
    "diamond": _diamond,
    "cross": _cross,
}


def _canvas(background: tuple[int, int, int]) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (IMAGE_SIZE * SUPERSAMPLE, IMAGE_SIZE * SUPERSAMPLE), background)
    return image, ImageDraw.Draw(image)


def _finish(image: Image.Image) -> Image.Image:
    return image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BOX)


def render_scene(scene: Scene) -> Image.Image:
    """The 64x64 RGB image of a shape scene."""
    image, draw = _canvas(scene.background)
    for shape in scene.shapes:
        _DRAWERS[shape.kind](draw, shape, COLOUR_BY_NAME[shape.color].rgb)
    return _finish(image)


def _sun(draw: ImageDraw.ImageDraw, x: float, y: float) -> None:
    for dx, dy in ((1, 0), (0, 1), (0.7, 0.7), (0.7, -0.7)):
        ray = [(x - 7.5 * dx, y - 7.5 * dy), (x + 7.5 * dx, y + 7.5 * dy)]
        draw.line(_scaled(ray), fill=_SUN, width=SUPERSAMPLE)
    draw.ellipse(_box(x, y, 4.5, 4.5), fill=_SUN)


def _rain_cloud(draw: ImageDraw.ImageDraw, x: float, y: float) -> None:
    for dx in (-3.5, 0.0, 3.5):
        drop = [(x + dx, y + 4.0), (x + dx - 1.0, y + 8.0)]
        draw.line(_scaled(drop), fill=_RAIN, width=SUPERSAMPLE)
    draw.ellipse(_box(x - 3.5, y + 0.5, 4.0, 3.0), fill=_CLOUD)
    draw.ellipse(_box(x + 3.5, y + 0.5, 4.0, 3.0), fill=_CLOUD)
    draw.ellipse(_box(x, y - 1.5, 4.0, 3.5), fill=_CLOUD)


def render_face(scene: FaceScene) -> Image.Image:
    """The 64x64 RGB image of a sentiment scene: a face and an optional weather cue."""
    image, draw = _canvas(scene.background)
    if scene.cue == "sun":
        _sun(draw, scene.cue_x, scene.cue_y)
    elif scene.cue == "rain cloud":
        _rain_cloud(draw, scene.cue_x, scene.cue_y)
    x, y, r = scene.x, scene.y, scene.r
    draw.ellipse(_box(x, y, r, r), fill=scene.skin, outline=_OUTLINE, width=SUPERSAMPLE)
    eye = max(1.4, 0.11 * r)
    for side in (-1, 1):
        draw.ellipse(_box(x + side * 0.36 * r, y - 0.22 * r, eye, eye), fill=_OUTLINE)
    half = scene.mouth_width * r
    mouth_y = y + 0.38 * r
    depth = scene.curve * r
    stroke = int(1.5 * SUPERSAMPLE)
    if scene.mouth == "smile":
        # Lower half of an ellipse whose top edge sits just above the mouth line.
        box = _box(x, mouth_y - depth / 2, half, depth)
        draw.arc(box, start=15, end=165, fill=_OUTLINE, width=stroke)
    elif scene.mouth == "frown":
        box = _box(x, mouth_y + depth / 2, half, depth)
        draw.arc(box, start=195, end=345, fill=_OUTLINE, width=stroke)
    else:
        line = [(x - half, mouth_y), (x + half, mouth_y)]
        draw.line(_scaled(line), fill=_OUTLINE, width=stroke)
    return _finish(image)


def encode_png(image: Image.Image) -> bytes:
    """PNG bytes (no timestamps or text chunks, so equal pixels give equal bytes)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
