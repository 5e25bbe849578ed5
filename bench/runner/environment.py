"""What a RunRecord says about the machine and the libraries that produced it."""

from __future__ import annotations

import functools
import os
import platform
from importlib.metadata import PackageNotFoundError, version

import torch

from bench.runner.device import device_name

PACKAGES = (
    "modalbench",
    "torch",
    "torchvision",
    "transformers",
    "open_clip_torch",
    "datasets",
    "numpy",
    "pillow",
    "scikit-learn",
    "scipy",
    "pycocoevalcap",
    "tokenizers",
    "safetensors",
    "timm",
    "ftfy",
    "sentencepiece",
)


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    found = [("python", platform.python_version())]
    for package in PACKAGES:
        try:
            found.append((package, version(package)))
        except PackageNotFoundError:
            found.append((package, "not installed"))
    return tuple(found)


def library_versions() -> dict[str, str]:
    """Installed versions of Python and every library that can change a score.

    Looked up once per process (the metadata scan costs tens of milliseconds per record).
    """
    return dict(_versions())


def _cudnn_version() -> int | None:
    if not torch.cuda.is_available():
        return None
    found: int | None = torch.backends.cudnn.version()  # type: ignore[no-untyped-call]
    return found


def hardware(device: str) -> dict[str, str | int | None]:
    """Device name, CPU, core count, platform and CUDA/cuDNN versions."""
    return {
        "device": device,
        "device_name": device_name(device),
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "cuda": torch.version.cuda if torch.cuda.is_available() else None,
        "cudnn": _cudnn_version(),
        "gpu_count": torch.cuda.device_count() if torch.cuda.is_available() else 0,
    }
