"""Safe image decoding: every failure becomes a per-sample reason, never a crash.

Handles missing files, truncated or corrupt files, decompression bombs (a declared size
above :data:`MAX_PIXELS`), and converts CMYK, 16-bit, palette, greyscale and alpha images
to 8-bit RGB (alpha composited on white).
"""

from __future__ import annotations

import io
import os
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


def _open(source: ImageSource) -> Image.Image:
    if isinstance(source, Image.Image):
        return source
    if isinstance(source, bytes):
        if not source:
            raise SampleError("image: empty bytes")
        return Image.open(io.BytesIO(source))
    path = Path(os.fspath(source))
    if not path.exists():
        raise SampleError(f"image: file not found: {path.name}")
    if not path.is_file():
        raise SampleError(f"image: not a regular file: {path.name}")
    return Image.open(path)


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        high = float(array.max()) if array.size else 0.0
        scale = 255.0 / high if high > 255.0 else 1.0
        grey = Image.fromarray(np.clip(array * scale, 0, 255).astype(np.uint8), mode="L")
        return grey.convert("RGB")
    if mode == "P":
        image = image.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def load_image(source: ImageSource | None, *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode ``source`` into an 8-bit RGB PIL image.

    Raises:
        SampleError: with a short reason (missing, truncated, corrupt, bomb, unsupported).
    """
    if source is None:
        raise SampleError("image: missing (no image given)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _open(source)
            width, height = image.size
            if width * height > max_pixels:
                raise SampleError(
                    f"image: declared size {width}x{height} exceeds {max_pixels} pixels "
                    "(decompression bomb guard)"
                )
            image.load()
            return _to_rgb(image)
    except SampleError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise SampleError(f"image: decompression bomb refused ({exc})") from exc
    except UnidentifiedImageError as exc:
        raise SampleError("image: not a recognised image format") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports truncated data as OSError("image file is truncated ...").
        raise SampleError(f"image: corrupt or truncated ({exc})") from exc
