"""What a model plugin provides: specs, providers, handles and the adapter description.

A model spec is ``SCHEME:TARGET`` (``ref:shapes-clip``, ``hf:Salesforce/blip-itm-base-coco``,
``openclip:ViT-B-32/openai``). Each scheme is a :class:`ModelProvider` registered under the
``modalbench.models`` entry-point group. Providers live in light modules: listing models and
resolving a spec must not import torch; only :meth:`ModelHandle.load` may.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class ModelSpec:
    """A parsed ``--model`` value plus the ``--model-arg key=value`` settings for it."""

    scheme: str
    target: str
    args: Mapping[str, str] = field(default_factory=dict)
    trust_remote_code: bool = False

    @property
    def text(self) -> str:
        """The spec as the user wrote it (``scheme:target``)."""
        return f"{self.scheme}:{self.target}" if self.target else self.scheme

    @classmethod
    def parse(
        cls, text: str, args: Mapping[str, str] | None = None, *, trust_remote_code: bool = False
    ) -> ModelSpec:
        """Split ``scheme:target``; a bare name is a scheme with an empty target."""
        scheme, _, target = text.partition(":")
        return cls(scheme.strip(), target.strip(), dict(args or {}), trust_remote_code)


@dataclass(frozen=True)
class LoadOptions:
    """Where and how to load weights.

    Attributes:
        device: a torch device string (``cpu``, ``cuda``, ``cuda:1``), already resolved.
        dtype: ``fp32``, ``bf16`` or ``fp16``; adapters may keep some modules in fp32.
        trust_remote_code: only ever True when the user passed ``--trust-remote-code``.
    """

    device: str = "cpu"
    dtype: str = "fp32"
    trust_remote_code: bool = False


@dataclass(frozen=True)
class ModelInfo:
    """One line of ``modalbench list models``.

    ``intended_tasks`` limits which tasks the embedded default runs the model on (a
    captioner *can* answer VQA prompts, but its number there means nothing); empty means
    every task its capabilities allow. Explicit ``--task`` choices ignore it.
    """

    spec: str
    description: str
    capabilities: tuple[str, ...] = ()
    intended_tasks: tuple[str, ...] = ()


@runtime_checkable
class ModelAdapter(Protocol):
    """What every loaded adapter exposes besides its capabilities."""

    def fingerprint(self) -> str:
        """Hub revision sha or a hash of the local weight files."""
        ...

    def settings(self) -> dict[str, Any]:
        """Every setting that can change a prediction (recorded; part of the cache key)."""
        ...


class ModelHandle(Protocol):
    """A resolved spec: knows its adapter class (so capabilities are checkable) before loading."""

    @property
    def spec(self) -> ModelSpec:
        """The spec this handle was resolved from."""
        ...

    @property
    def adapter_class(self) -> type:
        """The class :meth:`load` returns an instance of."""
        ...

    def load(self, options: LoadOptions) -> ModelAdapter:
        """Load weights and return the adapter (may import torch)."""
        ...


@runtime_checkable
class PreloadFingerprint(Protocol):
    """A handle that can name what it will load before loading it.

    The runner uses this to recognise a finished evaluation without loading any weights
    (see :mod:`bench.runner.reuse`). Handles without it are simply evaluated again.
    """

    def fingerprint(self) -> str | None:
        """Weights hash or hub commit of everything :meth:`ModelHandle.load` reads.

        None when that cannot be told without loading (settings that name other files).
        """
        ...


class ModelProvider(Protocol):
    """A model scheme: lists the models it knows and resolves specs to handles."""

    def known_models(self) -> Sequence[ModelInfo]:
        """Models worth listing (all of them for ``ref``; none for open-ended schemes)."""
        ...

    def resolve(self, spec: ModelSpec) -> ModelHandle:
        """Check the spec and return a handle; raise UsageError for a bad spec."""
        ...
