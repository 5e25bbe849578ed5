"""The ``ref:`` model scheme: the bundled reference models listed in ``models.toml``.

Checkpoint models resolve through :func:`bench.adapters.providers.hf_handle`, exactly the
code that serves ``hf:PATH``. Probe models wrap such a checkpoint's adapter with a head
fitted at evaluation time. This module imports nothing heavy: torch loads in ``load()``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.adapters.base import LoadOptions, ModelAdapter, ModelHandle, ModelInfo, ModelSpec
from bench.adapters.providers import HFHandle, hf_handle, import_object
from bench.errors import UsageError
from bench.reference.manifest import CHECKPOINTS_DIR, ReferenceModel, bundled_models
from bench.registry import suggest

#: fusion -> "module:Class" of the probe adapter serving it.
PROBE_CLASSES = {
    "early": "bench.reference.probes:LinearProbe",
    "late": "bench.reference.probes:LinearProbe",
    "hybrid": "bench.reference.probes:LinearProbe",
    "text": "bench.reference.probes:LinearProbe",
    "image": "bench.reference.probes:LinearProbe",
    "cross-attention": "bench.reference.cross_attention:CrossAttentionProbe",
}


def checkpoint_folder(model: ReferenceModel, root: Path = CHECKPOINTS_DIR) -> Path:
    """The model's checkpoint folder; UsageError naming the fix when it is missing."""
    folder = model.folder(root)
    if not (folder / "config.json").is_file():
        raise UsageError(
            f"ref:{model.name}: bundled checkpoint missing at {folder} "
            "(reinstall modalbench, or run `modalbench train-reference --install`)"
        )
    return folder


@dataclass(frozen=True)
class ProbeHandle:
    """A sentiment probe over a checkpoint model (resolved, not loaded)."""

    spec: ModelSpec
    model: ReferenceModel
    base: ReferenceModel
    root: Path = CHECKPOINTS_DIR

    @property
    def adapter_class(self) -> type:
        """The probe adapter class (imports its module)."""
        assert self.model.probe is not None
        cls: type = import_object(PROBE_CLASSES[self.model.probe.fusion])
        return cls

    @functools.cached_property
    def base_handle(self) -> HFHandle:
        """The handle of the encoder the probe reads, through the ``hf:`` code path."""
        return hf_handle(
            str(checkpoint_folder(self.base, self.root)), ModelSpec("ref", self.base.name)
        )

    def load(self, options: LoadOptions) -> ModelAdapter:
        """Load the encoder, then wrap it with the (unfitted) head."""
        probe = self.model.probe
        assert probe is not None
        embedder = self.base_handle.load(options)
        adapter: ModelAdapter = self.adapter_class(
            embedder, self.base.spec, probe.fusion, probe.options
        )
        return adapter

    def fingerprint(self) -> str:
        """The encoder checkpoint's fingerprint plus a digest of the probe's manifest entry."""
        probe = self.model.probe
        assert probe is not None
        entry = json.dumps([probe.fusion, probe.options], sort_keys=True, default=str)
        digest = hashlib.sha256(entry.encode("utf-8")).hexdigest()[:16]
        return f"{self.base_handle.location.fingerprint}+probe:{probe.fusion}:{digest}"


class ReferenceProvider:
    """``ref:NAME``: the models in the bundled manifest."""

    def __init__(self, root: Path = CHECKPOINTS_DIR) -> None:
        self.root = root

    def known_models(self) -> Sequence[ModelInfo]:
        """Every bundled model with its capabilities and intended tasks."""
        return [
            ModelInfo(m.spec, m.description, m.capabilities, m.intended_tasks)
            for m in bundled_models().values()
        ]

    def resolve(self, spec: ModelSpec) -> ModelHandle:
        """A checkpoint's ``hf`` handle, or a probe handle."""
        models = bundled_models()
        model = models.get(spec.target)
        if model is None:
            raise UsageError(
                f"unknown reference model 'ref:{spec.target}'"
                f"{suggest(spec.target, models)} (known: {', '.join(sorted(models))})"
            )
        if model.probe is None:
            return hf_handle(str(checkpoint_folder(model, self.root)), spec)
        if spec.args:
            raise UsageError(f"ref:{model.name} takes no --model-arg (probe settings are fixed)")
        return ProbeHandle(spec, model, models[model.probe.base], self.root)


REFERENCE = ReferenceProvider()
