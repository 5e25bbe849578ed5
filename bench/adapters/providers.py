"""The ``hf:`` and ``openclip:`` model schemes (registered as ``modalbench.models`` entries).

This module is light on purpose: listing models imports nothing heavy, and resolving a spec
reads only ``config.json`` (or open_clip's registry), so the runner can check capabilities
before any weights or data load. The adapters themselves live in ``bench.adapters.hf_*`` and
``bench.adapters.openclip`` and are imported when a handle's class is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from bench.adapters.base import LoadOptions, ModelAdapter, ModelInfo, ModelSpec
from bench.adapters.families import Family, detect_family
from bench.adapters.hub import ModelLocation, locate
from bench.adapters.settings import OpenClipSettings, optional_text, parse_settings
from bench.errors import UsageError


def import_object(path: str) -> Any:
    """Import ``module:attribute``."""
    module_name, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


@dataclass(frozen=True)
class HFHandle:
    """A resolved Hugging Face checkpoint: its location, family and parsed settings."""

    spec: ModelSpec
    location: ModelLocation
    family: Family
    settings: Any

    @property
    def adapter_class(self) -> type:
        """The adapter class serving this family (imports the adapter module)."""
        cls: type = import_object(self.family.adapter)
        return cls

    def load(self, options: LoadOptions) -> ModelAdapter:
        """Load the weights and return the adapter."""
        adapter: ModelAdapter = self.adapter_class.load(  # type: ignore[attr-defined]
            self.location, self.family, self.settings, options
        )
        return adapter

    def fingerprint(self) -> str | None:
        """The checkpoint's fingerprint, as its adapter will report it after loading.

        None when a setting names another file or model (LXMERT's region features, answer
        list or grid backbone): only loading resolves those.
        """
        if self.settings.reads_external_resources:
            return None
        return self.location.fingerprint


def hf_handle(path_or_id: str, spec: ModelSpec) -> HFHandle:
    """Resolve a Hugging Face folder or hub id with ``spec``'s settings.

    Used by the ``hf:`` scheme and by other providers that serve checkpoints through the
    same adapters (the bundled reference models). Reads only ``config.json``.

    Raises:
        UsageError: missing model (with the offline hint), unsupported family, unknown or
            badly typed ``--model-arg``.
    """
    location = locate(path_or_id, optional_text(spec.args.get("revision")))
    family = detect_family(
        location.config(), source=path_or_id, trust_remote_code=spec.trust_remote_code
    )
    settings: Any = parse_settings(family.settings, spec.args, family=family.name)
    return HFHandle(spec=spec, location=location, family=family, settings=settings)


class HuggingFaceProvider:
    """``hf:ID_OR_PATH``: any supported transformers checkpoint, local or cached."""

    def known_models(self) -> Sequence[ModelInfo]:
        """Open-ended scheme: nothing to list."""
        return ()

    def resolve(self, spec: ModelSpec) -> HFHandle:
        """Resolve ``hf:ID_OR_PATH``."""
        if not spec.target:
            raise UsageError("hf: needs a model id or folder, e.g. hf:openai/clip-vit-base-patch32")
        return hf_handle(spec.target, spec)


@dataclass(frozen=True)
class OpenClipHandle:
    """A resolved open_clip spec (architecture + pretrained tag, ``hf-hub:`` or ``local-dir:``)."""

    spec: ModelSpec
    settings: OpenClipSettings

    @property
    def adapter_class(self) -> type:
        """The open_clip adapter class."""
        cls: type = import_object("bench.adapters.openclip:OpenClipAdapter")
        return cls

    def load(self, options: LoadOptions) -> ModelAdapter:
        """Create the model with its weights and return the adapter."""
        adapter: ModelAdapter = self.adapter_class.load(  # type: ignore[attr-defined]
            self.spec.target, self.settings, options
        )
        return adapter

    def fingerprint(self) -> str:
        """The weights' hub snapshot or sha256, as the adapter will report it after loading."""
        weights_fingerprint = import_object("bench.adapters.openclip:weights_fingerprint")
        found: str = weights_fingerprint(self.spec.target)
        return found


class OpenClipProvider:
    """``openclip:ARCH/PRETRAINED``, ``openclip:hf-hub:ORG/NAME``, ``openclip:local-dir:PATH``."""

    def known_models(self) -> Sequence[ModelInfo]:
        """Open-ended scheme: nothing to list."""
        return ()

    def resolve(self, spec: ModelSpec) -> OpenClipHandle:
        """Check the spec's shape and settings (the architecture is checked on load)."""
        target = spec.target
        if not target:
            raise UsageError(
                "openclip: needs ARCH/PRETRAINED (e.g. openclip:ViT-B-32/laion2b_s34b_b79k), "
                "hf-hub:ORG/NAME or local-dir:PATH"
            )
        if not target.startswith(("hf-hub:", "local-dir:")) and "/" not in target:
            raise UsageError(
                f"openclip:{target}: expected ARCH/PRETRAINED (a pretrained tag or weights file), "
                "hf-hub:ORG/NAME or local-dir:PATH"
            )
        settings = parse_settings(OpenClipSettings, spec.args, family="open_clip")
        return OpenClipHandle(spec=replace(spec, target=target), settings=settings)


HUGGING_FACE = HuggingFaceProvider()
OPEN_CLIP = OpenClipProvider()
