"""The GPU image pipeline: JPEG bytes decoded on the device, resized, cropped, normalised.

For models whose preprocessing is resize / centre-crop / normalise (CLIP, SigLIP, open_clip
and most ViT encoders) the loader workers only read file bytes; the main process decodes a
whole batch at once with ``torchvision.io.decode_jpeg(..., device="cuda")`` and runs
:class:`TensorPreprocess` as tensor operations on the device. Everything here is
device-agnostic: on CPU the same code runs with torchvision's CPU decoder, which is how its
agreement with the models' own (PIL) preprocessing is tested on machines without a GPU.

Per image, anything the fast path cannot promise to handle like the CPU path falls back
to it (:func:`bench.data.images.load_image`, the PIL decoder): other formats, JPEGs whose
header says CMYK or another unusual mode, images over the decompression-bomb limit, and
JPEGs the device decoder refuses. A preprocessing that is not exactly resize / crop /
normalise is not translated at all (:func:`from_torchvision`: None) and the model keeps
its CPU path.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from PIL import Image

from bench.data.images import MAX_PIXELS, load_image
from bench.errors import SampleError

#: JPEG files start with an SOI marker followed by another marker.
_JPEG_MAGIC = b"\xff\xd8\xff"
#: Header modes the device decoder turns into the same RGB as PIL's ``convert("RGB")``.
_DEVICE_MODES = frozenset({"RGB", "L"})
_INTERPOLATIONS = {"bilinear", "bicubic"}


@dataclass(frozen=True)
class TensorPreprocess:
    """Resize (shorter side to ``size``, antialiased), centre-crop, scale to [0, 1] and
    normalise, as torchvision's ``Resize(size) / CenterCrop / ToTensor / Normalize`` on a
    PIL image, but on uint8 ``[3, H, W]`` tensors of any device.

    Resizing stays in uint8 (rounded, as PIL's resize is) before the division by 255.
    """

    size: int
    crop: tuple[int, int]
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    interpolation: str = "bicubic"

    def __post_init__(self) -> None:
        if self.interpolation not in _INTERPOLATIONS:
            raise ValueError(f"interpolation must be bilinear or bicubic, not {self.interpolation}")

    def __call__(self, images: Sequence[torch.Tensor]) -> torch.Tensor:
        """``[N, 3, crop_h, crop_w]`` float32 on the images' device (images of one shape
        are resized together)."""
        from torchvision.transforms.v2 import InterpolationMode
        from torchvision.transforms.v2 import functional as tvf

        if not images:
            raise ValueError("no images to preprocess")
        mode = InterpolationMode(self.interpolation)
        out: list[torch.Tensor | None] = [None] * len(images)
        by_shape: dict[tuple[int, ...], list[int]] = {}
        for i, image in enumerate(images):
            by_shape.setdefault(tuple(image.shape), []).append(i)
        for indices in by_shape.values():
            batch = torch.stack([images[i] for i in indices])
            batch = tvf.resize(batch, [self.size], interpolation=mode, antialias=True)
            batch = tvf.center_crop(batch, list(self.crop))
            for i, row in zip(indices, batch, strict=True):
                out[i] = row
        stacked = torch.stack([t for t in out if t is not None]).float().div_(255.0)
        mean = torch.tensor(self.mean, device=stacked.device).view(1, 3, 1, 1)
        std = torch.tensor(self.std, device=stacked.device).view(1, 3, 1, 1)
        return stacked.sub_(mean).div_(std)


def from_torchvision(transform: Any) -> TensorPreprocess | None:
    """The :class:`TensorPreprocess` equal to a torchvision ``Compose`` (open_clip's
    evaluation transform), or None when it is anything else."""
    steps = list(getattr(transform, "transforms", []))
    names = [type(step).__name__ for step in steps]
    passive = {"MaybeConvertMode", "MaybeToTensor", "ToTensor", "PILToTensor", "ToImage"}
    core = [step for step, name in zip(steps, names, strict=True) if name not in passive]
    if [type(step).__name__ for step in core] != ["Resize", "CenterCrop", "Normalize"]:
        return None
    resize, crop, normalize = core
    size = resize.size
    if isinstance(size, (list, tuple)):
        if len(size) != 1:
            return None  # a fixed (h, w) resize distorts: not this pipeline's geometry
        size = size[0]
    interpolation = getattr(resize.interpolation, "value", str(resize.interpolation))
    if interpolation not in _INTERPOLATIONS or getattr(resize, "max_size", None) is not None:
        return None
    crop_size = crop.size if isinstance(crop.size, (list, tuple)) else (crop.size, crop.size)
    if len(crop_size) == 1:
        crop_size = (crop_size[0], crop_size[0])
    mean, std = tuple(float(v) for v in normalize.mean), tuple(float(v) for v in normalize.std)
    if len(mean) != 3 or len(std) != 3:
        return None
    return TensorPreprocess(
        size=int(size),
        crop=(int(crop_size[0]), int(crop_size[1])),
        mean=(mean[0], mean[1], mean[2]),
        std=(std[0], std[1], std[2]),
        interpolation=str(interpolation),
    )


def device_decodable(data: bytes, max_pixels: int = MAX_PIXELS) -> bool:
    """Whether ``data`` is a JPEG the device decoder handles like the CPU path: baseline or
    progressive RGB / greyscale within the decompression-bomb limit (header read only)."""
    if not data.startswith(_JPEG_MAGIC):
        return False
    try:
        with Image.open(io.BytesIO(data)) as header:
            width, height = header.size
            return (
                header.format == "JPEG"
                and header.mode in _DEVICE_MODES
                and (width * height <= max_pixels)
            )
    except Exception:  # an unreadable header: let the CPU path name the problem
        return False


def _cpu_decode(data: bytes, device: torch.device) -> torch.Tensor:
    image = load_image(data)
    array = np.asarray(image, dtype=np.uint8)
    return torch.from_numpy(array.copy()).permute(2, 0, 1).to(device)


def decode_images(
    datas: Sequence[bytes], device: str | torch.device
) -> tuple[list[torch.Tensor | None], dict[int, str], int]:
    """Decode encoded images to uint8 RGB ``[3, H, W]`` tensors on ``device``.

    JPEGs the device decoder handles are decoded together in one call; every other image,
    and any the device decoder refuses, goes through the CPU path one by one.

    Returns the tensors (None where an image failed), the failures by index (the CPU
    path's one-line reason) and how many images were decoded on the fast path.
    """
    from torchvision.io import ImageReadMode, decode_jpeg

    target = torch.device(device)
    out: list[torch.Tensor | None] = [None] * len(datas)
    fast = [i for i, data in enumerate(datas) if device_decodable(data)]
    decoded_fast = 0
    if fast:
        raw = [torch.frombuffer(bytearray(datas[i]), dtype=torch.uint8) for i in fast]
        try:
            tensors = decode_jpeg(raw, mode=ImageReadMode.RGB, device=target)
        except RuntimeError:
            tensors = []  # one bad file fails the batched call: decode them one by one
            for tensor in raw:
                try:
                    tensors.append(decode_jpeg(tensor, mode=ImageReadMode.RGB, device=target))
                except RuntimeError:
                    tensors.append(None)
        for i, tensor in zip(fast, tensors, strict=True):
            if tensor is not None:
                out[i] = tensor
                decoded_fast += 1
    failures: dict[int, str] = {}
    for i, data in enumerate(datas):
        if out[i] is None:
            try:
                out[i] = _cpu_decode(data, target)
            except SampleError as exc:
                failures[i] = exc.reason
    return out, failures, decoded_fast


@dataclass(frozen=True)
class DeviceImagePipeline:
    """Encoded images in, the model's image batch out, on ``device``."""

    preprocess: TensorPreprocess
    device: str

    def __call__(self, datas: Sequence[bytes]) -> tuple[torch.Tensor | None, dict[int, str]]:
        """The preprocessed batch of the images that decoded (in order, failed ones left
        out) and the failures by index."""
        tensors, failures, _ = decode_images(datas, self.device)
        kept = [t for t in tensors if t is not None]
        return (self.preprocess(kept) if kept else None), failures
