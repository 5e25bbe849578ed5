"""Where images are decoded: by PIL in loader workers, or by torchvision on the device.

``--decode cpu`` keeps the CPU path: workers decode with PIL and run the model's own
preprocessing. ``--decode gpu`` reads only file bytes in the workers and decodes a whole
batch at once with torchvision on the run's device, then resizes, crops and normalises as
tensor operations (:mod:`bench.runner.gpu_images`); it needs a model whose preprocessing is
exactly resize / centre-crop / normalise (open_clip's evaluation transform). On a CPU run it
uses torchvision's CPU decoder. ``--decode auto`` (the default) takes the device path on
CUDA when the model's preprocessing translates, else the CPU path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.errors import UsageError
from bench.runner.gpu_images import DeviceImagePipeline, from_torchvision
from bench.runner.loader import LoadedBatch
from bench.tasking import Batch


@dataclass(frozen=True)
class DecodePlan:
    """The resolved decode path of one evaluation.

    Attributes:
        mode: ``cpu`` (PIL in workers) or ``gpu`` (torchvision on ``device``).
        pipeline: the device pipeline for ``gpu``, else None.
    """

    mode: str
    pipeline: DeviceImagePipeline | None = None


def resolve_decode(requested: str, device: str, preprocessor: Any) -> DecodePlan:
    """The decode path for ``requested`` (one of :data:`bench.runner.plan.DECODE_MODES`,
    checked by :meth:`RunConfig.check`) on ``device`` given the model's image preprocessor
    (None when the model preprocesses images itself).

    Raises:
        UsageError: ``gpu`` was asked for a model whose preprocessing cannot run on the
            device.
    """
    if requested == "cpu":
        return DecodePlan("cpu")
    tensor = from_torchvision(getattr(preprocessor, "transform", None)) if preprocessor else None
    if requested == "auto":
        if tensor is None or not device.startswith("cuda"):
            return DecodePlan("cpu")
        return DecodePlan("gpu", DeviceImagePipeline(tensor, device))
    if tensor is None:
        raise UsageError(
            "--decode gpu: this model's image preprocessing is not resize / centre-crop / "
            "normalise, which is all the device path runs; use --decode cpu or auto"
        )
    return DecodePlan("gpu", DeviceImagePipeline(tensor, device))


def decode_on_device(loaded: LoadedBatch, pipeline: DeviceImagePipeline) -> LoadedBatch:
    """A batch of encoded images decoded and preprocessed by ``pipeline``; images it
    cannot decode (nor its CPU fallback) become their items' failures."""
    batch = loaded.batch
    datas: list[bytes] = list(batch.images) if batch.images is not None else []
    images, failed = pipeline(datas)
    failures = dict(loaded.failures)
    for index, reason in failed.items():
        failures[batch.ids[index]] = reason
    keep = [i for i in range(len(batch.ids)) if i not in failed]
    kept = Batch(
        ids=[batch.ids[i] for i in keep],
        images=images if keep else None,
        texts=[batch.texts[i] for i in keep],
        labels=[batch.labels[i] for i in keep],
    )
    return LoadedBatch(kept, failures)
