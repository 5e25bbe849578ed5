"""Image decoding: every broken file is a per-sample reason; unusual modes decode to RGB."""

from __future__ import annotations

import os
from pathlib import Path

import bad_images as bad
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bench.data.images import load_image
from bench.errors import SampleError


def _reason(source: object, **kwargs: int) -> str:
    with pytest.raises(SampleError) as info:
        load_image(source, **kwargs)  # type: ignore[arg-type]
    return info.value.reason


def test_missing_unreadable_and_empty_files(tmp_path: Path) -> None:
    assert _reason(tmp_path / "absent.jpg") == "image: file not found: absent.jpg"
    assert _reason(tmp_path) == f"image: not a regular file: {tmp_path.name}"
    (tmp_path / "empty.png").write_bytes(b"")
    assert _reason(tmp_path / "empty.png") == "image: empty file (0 bytes)"
    assert _reason(None) == "image: missing (no image given)"
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.png"
        locked.write_bytes(bad.encode(bad.photo(), "PNG"))
        locked.chmod(0)
        assert _reason(locked).startswith("image: cannot read file locked.png")


@pytest.mark.parametrize("make", [bad.truncated_jpeg, bad.truncated_png])
def test_truncated_files_fail_instead_of_decoding_half(make: object) -> None:
    assert _reason(make()).startswith("image: truncated or corrupt")  # type: ignore[operator]


def test_corrupt_bytes_are_not_an_image() -> None:
    assert _reason(bad.corrupt_bytes()) == "image: not a recognised image format"


def test_decompression_bombs_are_refused_before_decoding() -> None:
    assert "decompression bomb" in _reason(bad.bomb_png())
    # below Pillow's own limit our guard still applies
    reason = _reason(bad.bomb_png(side=3000), max_pixels=1_000_000)
    assert reason == (
        "image: declared size 3000x3000 exceeds 1000000 pixels (decompression bomb guard)"
    )


def test_cmyk_jpeg_decodes_to_rgb() -> None:
    image = load_image(bad.cmyk_jpeg())
    assert image.mode == "RGB"
    r, g, b = np.asarray(image)[8, 8].tolist()
    assert r < 10 and g > 245 and b > 245  # cyan


@pytest.mark.parametrize(("value", "expected"), [(65535, 255), (32896, 128), (0, 0), (257, 1)])
def test_sixteen_bit_png_scales_the_full_range(value: int, expected: int) -> None:
    image = load_image(bad.png16(value))
    assert image.mode == "RGB"
    assert np.asarray(image)[0, 0].tolist() == [expected] * 3


def test_palette_png_uses_its_palette() -> None:
    image = load_image(bad.palette_png())
    assert image.mode == "RGB"
    assert np.asarray(image)[0, 0].tolist() == [10, 200, 30]


def test_rgba_png_is_composited_on_white() -> None:
    image = np.asarray(load_image(bad.rgba_png()))
    assert image[0, 0].tolist() == [255, 0, 0]
    assert image[0, 7].tolist() == [255, 255, 255]


def test_paths_and_pil_images_decode_like_bytes(tmp_path: Path) -> None:
    data = bad.encode(bad.photo(), "PNG")
    (tmp_path / "x.png").write_bytes(data)
    from_path = np.asarray(load_image(tmp_path / "x.png"))
    from_str = np.asarray(load_image(str(tmp_path / "x.png")))
    from_bytes = np.asarray(load_image(data))
    grey = Image.fromarray(from_bytes[..., 0], mode="L")
    assert np.array_equal(from_path, from_bytes) and np.array_equal(from_str, from_bytes)
    assert np.asarray(load_image(grey)).shape == (32, 32, 3)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_never_raise_anything_but_a_sample_error(data: bytes) -> None:
    try:
        image = load_image(data)
    except SampleError as exc:
        assert exc.reason.startswith("image:")
    else:
        assert image.mode == "RGB"


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 4000), st.binary(min_size=1, max_size=64))
def test_damaged_real_files_never_raise_anything_but_a_sample_error(cut: int, noise: bytes) -> None:
    data = bytearray(bad.encode(bad.photo(), "PNG" if cut % 2 else "JPEG"))
    start = cut % len(data)
    data[start : start + len(noise)] = noise
    try:
        load_image(bytes(data))
    except SampleError as exc:
        assert exc.reason.startswith("image:")
