"""What every sentiment probe over a frozen reference encoder shares.

A probe wraps a loaded dual-encoder adapter (``ref:shapes-clip``, loaded through the same
code as ``hf:PATH``) and fits a small head on the task's train split at evaluation time.
Its fingerprint combines the encoder's weight fingerprint with the probe's kind and
settings, so predictions of different heads never share a cache entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from bench.errors import UsageError


def log_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """Scores for the task (it applies a softmax): ``log p``, so softmax gives back ``p``."""
    return np.log(np.clip(np.asarray(probabilities, dtype=np.float64), 1e-12, 1.0))


def check_options(options: Mapping[str, Any], known: Mapping[str, type], where: str) -> None:
    """Refuse unknown or badly typed probe options (from the manifest)."""
    for key, value in options.items():
        if key not in known:
            raise UsageError(f"{where}: unknown probe option '{key}' (known: {', '.join(known)})")
        kind = known[key]
        ok = isinstance(value, (int, float)) if kind is float else isinstance(value, kind)
        if not ok or isinstance(value, bool) != (kind is bool):
            raise UsageError(f"{where}: probe option '{key}' must be {kind.__name__}")


class ProbeBase:
    """Labels, fingerprint and settings plumbing; subclasses fit and apply the head."""

    fusion: str = ""

    def __init__(self, embedder: Any, base_spec: str) -> None:
        self.embedder = embedder
        self.base_spec = base_spec
        self._labels: list[str] | None = None

    def image_preprocessor(self) -> Callable[[list[Any]], Any]:
        """The encoder's image preprocessing, run in loader workers."""
        preprocessor: Callable[[list[Any]], Any] = self.embedder.image_preprocessor()
        return preprocessor

    def labels(self) -> Sequence[str]:
        """The labels seen while fitting, sorted (the score-column order)."""
        if self._labels is None:
            raise UsageError(f"{self.fusion} probe: call fit() on a train split first")
        return list(self._labels)

    def head_settings(self) -> dict[str, Any]:
        """The head's own settings (overridden by each probe)."""
        return {}

    def fit_settings(self) -> dict[str, Any]:
        """Every setting of the head, known before fitting (the task records the seed)."""
        return {
            "fusion": self.fusion,
            "features": self.features(),
            "base_model": self.base_spec,
            **self.head_settings(),
        }

    def features(self) -> str:
        """Which frozen features the head reads (overridden by each probe)."""
        return ""

    def _probe_settings(self) -> dict[str, Any]:
        return {"fusion": self.fusion, "features": self.features(), **self.head_settings()}

    def fingerprint(self) -> str:
        """The encoder's fingerprint plus a digest of the probe kind and settings."""
        digest = hashlib.sha256(json.dumps(self._probe_settings(), sort_keys=True).encode("utf-8"))
        return f"{self.embedder.fingerprint()}+probe:{self.fusion}:{digest.hexdigest()[:16]}"

    def settings(self) -> dict[str, Any]:
        """The encoder's settings plus the probe's."""
        return {
            "base": dict(self.embedder.settings()),
            "probe": self._probe_settings(),
        }
