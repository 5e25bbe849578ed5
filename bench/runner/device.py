"""Device and dtype resolution, and the autocast context for model calls."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from bench.errors import UsageError

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_device(requested: str) -> str:
    """``auto`` -> ``cuda`` when available else ``cpu``; validate explicit CUDA requests."""
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested == "cpu":
        return "cpu"
    if requested == "cuda" or requested.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise UsageError(f"--device {requested}: CUDA is not available on this machine")
        if ":" in requested:
            index_text = requested.split(":", 1)[1]
            if not index_text.isdigit() or int(index_text) >= torch.cuda.device_count():
                raise UsageError(
                    f"--device {requested}: no such GPU ({torch.cuda.device_count()} visible)"
                )
        return requested
    raise UsageError(f"--device {requested}: expected auto, cpu, cuda or cuda:N")


def resolve_dtype(requested: str, device: str) -> str:
    """``auto`` -> ``bf16`` on a CUDA device that supports it, else ``fp32``."""
    if requested == "auto":
        if device.startswith("cuda") and torch.cuda.is_bf16_supported():
            return "bf16"
        return "fp32"
    if requested not in DTYPES:
        raise UsageError(f"--dtype {requested}: expected auto, fp32, bf16 or fp16")
    if requested == "fp16" and not device.startswith("cuda"):
        raise UsageError("--dtype fp16 needs a CUDA device (use bf16 or fp32 on CPU)")
    return requested


def device_kind(device: str) -> str:
    """``cuda`` for any CUDA device (``cuda``, ``cuda:1``...), else ``cpu``.

    Kernels differ between kinds, not between two GPUs of a machine: caches key on this.
    """
    return "cuda" if device.startswith("cuda") else "cpu"


@contextlib.contextmanager
def inference_context(device: str, dtype: str) -> Iterator[None]:
    """``torch.inference_mode`` plus autocast to ``dtype`` when it is not fp32."""
    with torch.inference_mode():
        if dtype == "fp32":
            yield
            return
        with torch.autocast(device_type=device_kind(device), dtype=DTYPES[dtype]):
            yield


def device_name(device: str) -> str:
    """A human-readable name for the device (GPU model or ``cpu``)."""
    if device.startswith("cuda"):
        return str(torch.cuda.get_device_name(torch.device(device)))
    return "cpu"


def synchronize(device: str) -> None:
    """Wait for queued GPU work so timings measure the model, not the launch."""
    if device.startswith("cuda"):
        torch.cuda.synchronize(torch.device(device))
