"""Linear sentiment probes on frozen ``ref:shapes-clip`` embeddings (scikit-learn).

Each probe fits one or more seeded logistic regressions on the train split at evaluation
time and combines their class probabilities by a fixed rule:

========  ==============================================================================
fusion    rule
========  ==============================================================================
early     one regression on the concatenated image and text embeddings
late      one regression per modality, probabilities averaged
hybrid    the early and the late probabilities averaged
text      the text regression alone (a unimodal baseline)
image     the image regression alone (a unimodal baseline)
========  ==============================================================================

Embeddings are L2-normalised, then standardised on the train split.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from bench.capabilities import ImageBatch, LabeledBatch
from bench.errors import UsageError
from bench.reference.probe_base import ProbeBase, check_options, log_probabilities

#: fusion -> {feature set: weight of its probabilities}.
FUSION_RULES: dict[str, dict[str, float]] = {
    "early": {"both": 1.0},
    "late": {"image": 0.5, "text": 0.5},
    "hybrid": {"both": 0.5, "image": 0.25, "text": 0.25},
    "text": {"text": 1.0},
    "image": {"image": 1.0},
}
OPTIONS: dict[str, type] = {"C": float, "max_iter": int, "solver": str}
DEFAULTS: dict[str, Any] = {"C": 1.0, "max_iter": 2000, "solver": "lbfgs"}


def _unit(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float64)
    unit: np.ndarray = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    return unit


def feature_sets(image: np.ndarray, text: np.ndarray) -> dict[str, np.ndarray]:
    """The three feature sets a head can read: ``image``, ``text`` and ``both``."""
    image, text = _unit(image), _unit(text)
    return {"image": image, "text": text, "both": np.concatenate([image, text], axis=1)}


class LinearProbe(ProbeBase):
    """A FittableClassifier: logistic regressions over frozen dual-encoder embeddings."""

    def __init__(
        self, embedder: Any, base_spec: str, fusion: str, options: Mapping[str, Any]
    ) -> None:
        super().__init__(embedder, base_spec)
        if fusion not in FUSION_RULES:
            raise UsageError(
                f"unknown fusion '{fusion}' (expected one of {', '.join(FUSION_RULES)})"
            )
        check_options(options, OPTIONS, f"{fusion} probe")
        self.fusion = fusion
        self.options = {**DEFAULTS, **options}
        self.heads: dict[str, Any] = {}

    def features(self) -> str:
        """The feature sets this probe's rule reads."""
        return "+".join(f"{k}:{w}" for k, w in FUSION_RULES[self.fusion].items())

    def head_settings(self) -> dict[str, Any]:
        """Regression settings and the fusion rule."""
        return {
            "head": "LogisticRegression",
            "C": float(self.options["C"]),
            "max_iter": int(self.options["max_iter"]),
            "solver": str(self.options["solver"]),
            "standardize": True,
            "l2_normalize": True,
            "rule": dict(FUSION_RULES[self.fusion]),
        }

    def _embed(self, images: ImageBatch, texts: Sequence[str]) -> dict[str, np.ndarray]:
        return feature_sets(self.embedder.embed_images(images), self.embedder.embed_texts(texts))

    def fit(self, batches: Iterable[LabeledBatch], *, seed: int) -> None:
        """Embed the train split and fit one regression per feature set the rule uses."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        parts: dict[str, list[np.ndarray]] = {}
        labels: list[str] = []
        for batch in batches:
            for key, value in self._embed(batch.images, batch.texts).items():
                parts.setdefault(key, []).append(value)
            labels.extend(str(x) for x in batch.labels)
        if not labels:
            raise UsageError(f"{self.fusion} probe: the train split is empty")
        target = np.asarray(labels)
        self.heads = {}
        for key in FUSION_RULES[self.fusion]:
            head = make_pipeline(
                StandardScaler(),
                LogisticRegression(
                    C=float(self.options["C"]),
                    max_iter=int(self.options["max_iter"]),
                    solver=str(self.options["solver"]),
                    random_state=seed,
                ),
            )
            head.fit(np.concatenate(parts[key]), target)
            self.heads[key] = head
        self._labels = sorted(set(labels))

    def probabilities(self, images: ImageBatch, texts: Sequence[str]) -> np.ndarray:
        """Fused class probabilities ``[N, len(labels())]``."""
        if not self.heads:
            raise UsageError(f"{self.fusion} probe: call fit() on a train split first")
        features = self._embed(images, texts)
        total = np.zeros((len(texts), len(self.labels())), dtype=np.float64)
        for key, weight in FUSION_RULES[self.fusion].items():
            head = self.heads[key]
            columns = [list(head.classes_).index(label) for label in self.labels()]
            total += weight * head.predict_proba(features[key])[:, columns]
        return total

    def classify(self, images: ImageBatch, texts: Sequence[str]) -> np.ndarray:
        """Log-probabilities per label (the task's softmax turns them back into p)."""
        return log_probabilities(self.probabilities(images, texts))
