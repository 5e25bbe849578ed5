"""Safe image decoding: every failure becomes a per-sample reason, never a crash.

Handles missing or unreadable files, truncated or corrupt data, decompression bombs (a
declared size above :data:`MAX_PIXELS`, refused before any pixel is decoded), and converts
CMYK, 16-bit, palette, greyscale and alpha images to 8-bit RGB (alpha composited on white).
Reasons start with ``image:`` and name the failure class (see ``docs/reliability.md``).
"""

from __future__ import annotations

import io
import os
import struct
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from bench.errors import SampleError
from bench.types import ImageSource

#: Images declaring more pixels than this are refused as decompression bombs
#: (about 16k x 16k; no evaluation dataset comes close).
MAX_PIXELS = 256_000_000

# Truncated files must fail, not decode half an image silently.
ImageFile.LOAD_TRUNCATED_IMAGES = False

_ALPHA_MODES = ("RGBA", "LA", "PA", "La", "RGBa")


def _read(source: str | os.PathLike[str]) -> bytes:
    path = Path(os.fspath(source))
    if not path.exists():
        raise SampleError(f"image: file not found: {path.name}")
    if not path.is_file():
        raise SampleError(f"image: not a regular file: {path.name}")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SampleError(f"image: cannot read file {path.name} ({exc.strerror})") from exc


def _encoded(source: bytes | str | os.PathLike[str]) -> bytes:
    data = source if isinstance(source, bytes) else _read(source)
    if not data:
        raise SampleError("image: empty file (0 bytes)")
    return data


def encoded_image(source: ImageSource | None) -> bytes:
    """The encoded bytes of ``source`` without decoding them (a PIL image is saved as PNG):
    what the device decode path reads in loader workers.

    Raises:
        SampleError: missing, unreadable or empty.
    """
    if source is None:
        raise SampleError("image: missing (no image given)")
    if isinstance(source, Image.Image):
        buffer = io.BytesIO()
        source.save(buffer, "PNG")
        return buffer.getvalue()
    return _encoded(source)


def _sixteen_bit_to_rgb(image: Image.Image) -> Image.Image:
    """16/32-bit integer or float greyscale to 8-bit: full-range values map linearly."""
    array = np.asarray(image, dtype=np.float64)
    high = float(array.max()) if array.size else 0.0
    if image.mode.startswith("I;16"):
        array = array / 257.0
    elif image.mode == "F" and high <= 1.0:
        array = array * 255.0  # a float image in [0, 1]
    elif high > 255.0:
        array = array / 257.0  # a 16-bit image opened as 32-bit "I"
    grey = Image.fromarray(np.clip(np.rint(array), 0, 255).astype(np.uint8), mode="L")
    return grey.convert("RGB")


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB (alpha composited on white)."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode.startswith("I") or mode == "F":
        return _sixteen_bit_to_rgb(image)
    if mode == "P":
        image = image.convert("RGBA")
        mode = "RGBA"
    if mode in _ALPHA_MODES:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    try:
        return image.convert("RGB")
    except ValueError as exc:
        raise SampleError(f"image: unsupported mode {mode} ({exc})") from exc


def load_image(source: ImageSource | None, *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode ``source`` (path, encoded bytes or PIL image) into an 8-bit RGB PIL image.

    Raises:
        SampleError: with a short reason (missing, unreadable, empty, not an image,
            truncated or corrupt, decompression bomb, unsupported mode).
    """
    if source is None:
        raise SampleError("image: missing (no image given)")
    if isinstance(source, Image.Image):
        return to_rgb(source)
    data = _encoded(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Decoding from memory: no file handle stays open, whatever the format.
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise SampleError(
                    f"image: declared size {width}x{height} exceeds {max_pixels} pixels "
                    "(decompression bomb guard)"
                )
            image.load()
            return to_rgb(image)
    except SampleError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise SampleError(f"image: decompression bomb refused ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise SampleError("image: not a recognised image format") from exc
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error) as exc:
        # Pillow reports truncated data as OSError("image file is truncated ...").
        raise SampleError(f"image: truncated or corrupt ({type(exc).__name__}: {exc})") from exc
