"""Rendered shapes images show what their scenes (and so their captions) say: pixel checks."""

from __future__ import annotations

import io
import json
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

from collections import defaultdict
from typing import Any

import numpy as np
import pytest
from PIL import Image

from bench.data.shapes import build_split

# The palette, written out here rather than imported, so a change there is caught.
RGB = {
    "red": (220, 30, 35),
    "green": (30, 160, 60),
    "blue": (35, 75, 220),
    "yellow": (235, 200, 20),
    "purple": (140, 50, 180),
    "orange": (245, 130, 20),
    "gray": (120, 120, 120),
}
# Grid cells of a 64 px image: thirds, from the top left.
ROW = {"top": 0, "middle": 1, "bottom": 2}
COL = {"left": 0, "middle": 1, "right": 2}
CELL = {
    "top left": ("top", "left"),
    "top": ("top", "middle"),
    "top right": ("top", "right"),
    "left": ("middle", "left"),
    "center": ("middle", "middle"),
    "right": ("middle", "right"),
    "bottom left": ("bottom", "left"),
    "bottom": ("bottom", "middle"),
    "bottom right": ("bottom", "right"),
}


def cell_slice(position: str) -> tuple[slice, slice]:
    row, col = CELL[position]
    r, c = ROW[row], COL[col]
    return slice(round(r * 64 / 3), round((r + 1) * 64 / 3)), slice(
        round(c * 64 / 3), round((c + 1) * 64 / 3)
    )


@pytest.fixture(scope="module")
def scenes() -> list[tuple[np.ndarray, dict[str, Any]]]:
    dataset = build_split("captioning", "test", size=300).with_format("arrow")[:]
    images = [cell["bytes"] for cell in dataset.column("image").to_pylist()]
    return [
        (np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int), json.loads(scene))
        for png, scene in zip(images, dataset.column("scene").to_pylist(), strict=True)
    ]


def near(pixels: np.ndarray, rgb: tuple[int, int, int], tol: int = 12) -> np.ndarray:
    return np.all(np.abs(pixels - np.array(rgb)) <= tol, axis=-1)


def test_each_shape_is_its_colour_at_its_centre(
    scenes: list[tuple[np.ndarray, dict[str, Any]]],
) -> None:
    for pixels, scene in scenes:
        for shape in scene["shapes"]:
            y, x = int(shape["y"]), int(shape["x"])
            assert tuple(pixels[y, x]) == RGB[shape["color"]], shape


def test_each_colour_appears_only_in_the_described_cell(
    scenes: list[tuple[np.ndarray, dict[str, Any]]],
) -> None:
    for pixels, scene in scenes:
        for shape in scene["shapes"]:
            mask = near(pixels, RGB[shape["color"]])
            rows, cols = cell_slice(shape["position"])
            inside = int(mask[rows, cols].sum())
            assert inside >= 20, shape  # even a small cross covers 20+ pixels
            others = [s for s in scene["shapes"] if s["color"] == shape["color"]]
            if len(others) == 1:
                assert int(mask.sum()) == inside, shape


def test_empty_cells_show_only_background(
    scenes: list[tuple[np.ndarray, dict[str, Any]]],
) -> None:
    for pixels, scene in scenes:
        used = {s["position"] for s in scene["shapes"]}
        for position in CELL:
            if position in used:
                continue
            rows, cols = cell_slice(position)
            block = pixels[rows, cols].reshape(-1, 3)
            # Shapes keep a margin inside their cell, so not even an anti-aliased edge leaks.
            assert np.all(block == np.array(scene["background"])), (position, scene)


def test_large_shapes_cover_more_pixels_than_small_ones_of_their_kind(
    scenes: list[tuple[np.ndarray, dict[str, Any]]],
) -> None:
    areas: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pixels, scene in scenes:
        for shape in scene["shapes"]:
            rows, cols = cell_slice(shape["position"])
            area = int(near(pixels[rows, cols], RGB[shape["color"]], tol=60).sum())
            areas[(shape["kind"], shape["size"])].append(area)
    kinds = {kind for kind, _ in areas}
    assert kinds == {"circle", "square", "triangle", "diamond", "cross"}
    for kind in kinds:
        assert max(areas[(kind, "small")]) < min(areas[(kind, "large")]), kind


def test_kinds_have_distinct_silhouettes(
    scenes: list[tuple[np.ndarray, dict[str, Any]]],
) -> None:
    """Fill ratio of the bounding box: square ~1, circle ~0.79, triangle/diamond ~0.5."""
    ratios: dict[str, list[float]] = defaultdict(list)
    for pixels, scene in scenes:
        for shape in scene["shapes"]:
            if shape["size"] != "large":
                continue
            rows, cols = cell_slice(shape["position"])
            mask = near(pixels[rows, cols], RGB[shape["color"]], tol=60)
            ys, xs = np.nonzero(mask)
            box = (ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1)
            ratios[shape["kind"]].append(mask.sum() / box)
    mean = {kind: float(np.mean(v)) for kind, v in ratios.items()}
    assert mean["square"] > 0.9
    assert 0.7 < mean["circle"] < 0.88
    assert mean["triangle"] < 0.65
    assert mean["diamond"] < 0.65
    assert 0.45 < mean["cross"] < 0.75


@pytest.fixture(scope="module")
def faces() -> list[tuple[np.ndarray, dict[str, Any]]]:
    dataset = build_split("sentiment", "test", size=300).with_format("arrow")[:]
    images = [cell["bytes"] for cell in dataset.column("image").to_pylist()]
    return [
        (np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int), json.loads(scene))
        for png, scene in zip(images, dataset.column("scene").to_pylist(), strict=True)
    ]


def test_mouth_shape_is_visible(faces: list[tuple[np.ndarray, dict[str, Any]]]) -> None:
    """The dark mouth line sags in the middle for a smile, bulges up for a frown."""
    seen = set()
    for pixels, scene in faces:
        x, y, r = scene["x"], scene["y"], scene["r"]
        half, mouth_y = scene["mouth_width"] * r, y + 0.38 * r
        ys, xs = np.nonzero(pixels.sum(axis=-1) < 300)
        cy, cx = ys + 0.5, xs + 0.5
        near_mouth = (np.abs(cy - mouth_y) < 0.3 * r + 1) & (np.abs(cx - x) < half)
        middle = near_mouth & (np.abs(cx - x) < 0.3 * half)
        ends = near_mouth & (np.abs(cx - x) > 0.6 * half)
        sag = cy[middle].mean() - cy[ends].mean()  # pixels; y grows downwards
        if scene["mouth"] == "smile":
            assert sag > 0.7, scene
        elif scene["mouth"] == "frown":
            assert sag < -0.7, scene
        else:
            assert abs(sag) < 0.3, scene
        seen.add(scene["mouth"])
    assert seen == {"smile", "frown", "flat"}


def test_weather_cue_is_drawn_in_the_top_band(
    faces: list[tuple[np.ndarray, dict[str, Any]]],
) -> None:
    sun, cloud = (250, 200, 30), (150, 155, 165)
    for pixels, scene in faces:
        band = pixels[:18]
        if scene["cue"] == "sun":
            assert near(band, sun, tol=4).sum() > 30, scene
        elif scene["cue"] == "rain cloud":
            assert near(band, cloud, tol=4).sum() > 30, scene
        else:
            assert np.all(band == np.array(scene["background"])), scene
