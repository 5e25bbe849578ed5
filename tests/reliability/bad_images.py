"""Builders of broken and unusual image files shared by the reliability tests."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def encode(image: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def photo(size: int = 32) -> Image.Image:
    """A smooth RGB gradient (compresses like a photo, not like a flat colour)."""
    y, x = np.mgrid[0:size, 0:size]
    rgb = np.stack([x * 255 // size, y * 255 // size, (x + y) * 127 // size], axis=-1)
    return Image.fromarray(rgb.astype(np.uint8), mode="RGB")


def truncated_jpeg() -> bytes:
    data = encode(photo(64), "JPEG", quality=90)
    return data[: len(data) // 2]


def truncated_png() -> bytes:
    data = encode(photo(64), "PNG")
    return data[: len(data) // 2]


def corrupt_bytes() -> bytes:
    return bytes(np.random.default_rng(7).integers(0, 256, 600, dtype=np.uint8))


def cmyk_jpeg() -> bytes:
    """Pure cyan in CMYK: decodes to RGB (0, 255, 255) up to JPEG error."""
    return encode(Image.new("CMYK", (16, 16), (255, 0, 0, 0)), "JPEG", quality=100)


def png16(value: int = 65535) -> bytes:
    """A 16-bit greyscale PNG, every pixel ``value``."""
    array = np.full((8, 8), value, dtype=np.uint16)
    return encode(Image.fromarray(array), "PNG")  # uint16 opens as mode I;16


def palette_png() -> bytes:
    image = Image.new("P", (8, 8), 1)
    image.putpalette([0, 0, 0, 10, 200, 30] + [0] * (256 * 3 - 6))
    return encode(image, "PNG")


def rgba_png() -> bytes:
    """Left half opaque red, right half fully transparent (composited on white)."""
    array = np.zeros((8, 8, 4), dtype=np.uint8)
    array[:, :4] = (255, 0, 0, 255)
    array[:, 4:] = (0, 0, 255, 0)
    return encode(Image.fromarray(array, mode="RGBA"), "PNG")


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def bomb_png(side: int = 100_000) -> bytes:
    """A valid PNG header declaring ``side`` x ``side`` pixels with almost no data."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )
