"""Cross-attention fusion: image patch features query the post's token features.

The head reads token-level features of the frozen ``ref:shapes-clip`` towers (each projected
into the joint space): the image's class token and its patch grid average-pooled by
``image_pool``, and every text token. One multi-head attention layer lets each image token
gather what the post says, a residual MLP mixes the result, and the mean over image tokens
feeds a linear classifier. It is trained at evaluation time on the train split (features
extracted once), seeded, with a fixed number of epochs: a few seconds on a CPU.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from bench.capabilities import ImageBatch, LabeledBatch
from bench.errors import UsageError
from bench.reference.probe_base import ProbeBase, check_options, log_probabilities

OPTIONS: dict[str, type] = {
    "hidden": int,
    "heads": int,
    "epochs": int,
    "batch_size": int,
    "lr": float,
    "weight_decay": float,
    "image_pool": int,
}
DEFAULTS: dict[str, Any] = {
    "hidden": 64,
    "heads": 4,
    "epochs": 20,
    "batch_size": 64,
    "lr": 2e-3,
    "weight_decay": 0.01,
    "image_pool": 2,
}


class CrossAttentionHead(nn.Module):
    """Image tokens attend over text tokens; pooled, then classified."""

    def __init__(self, dim: int, hidden: int, heads: int, n_labels: int) -> None:
        super().__init__()
        self.query = nn.Linear(dim, hidden)
        self.memory = nn.Linear(dim, hidden)
        self.attention = nn.MultiheadAttention(hidden, heads, batch_first=True)
        self.norm = nn.LayerNorm(hidden)
        self.mlp = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.Linear(hidden, hidden))
        self.out = nn.Linear(hidden, n_labels)

    def forward(self, image: torch.Tensor, text: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Logits ``[N, n_labels]`` from image tokens, text tokens and the text mask
        (True = a real token)."""
        query = self.query(image)
        memory = self.memory(text)
        attended, _ = self.attention(query, memory, memory, key_padding_mask=~mask)
        hidden = self.norm(query + attended)
        hidden = hidden + self.mlp(hidden)
        logits: torch.Tensor = self.out(hidden.mean(dim=1))
        return logits


@dataclass
class TokenFeatures:
    """Token-level features of a set of examples (texts right-padded)."""

    image: torch.Tensor
    text: torch.Tensor
    mask: torch.Tensor


def _pad_cat(parts: Sequence[torch.Tensor], length: int) -> torch.Tensor:
    padded = [nn.functional.pad(p, (0, 0, 0, length - p.shape[1])) for p in parts]
    return torch.cat(padded)


def concat_features(parts: Sequence[TokenFeatures]) -> TokenFeatures:
    """Stack batches of features, padding texts to the longest."""
    length = max(p.text.shape[1] for p in parts)
    masks = [nn.functional.pad(p.mask, (0, length - p.mask.shape[1])) for p in parts]
    return TokenFeatures(
        torch.cat([p.image for p in parts]),
        _pad_cat([p.text for p in parts], length),
        torch.cat(masks),
    )


class CrossAttentionProbe(ProbeBase):
    """A FittableClassifier: a cross-attention head over frozen CLIP token features."""

    fusion = "cross-attention"

    def __init__(
        self, embedder: Any, base_spec: str, fusion: str, options: Mapping[str, Any]
    ) -> None:
        super().__init__(embedder, base_spec)
        if fusion != self.fusion:
            raise UsageError(f"cross-attention probe: cannot serve fusion '{fusion}'")
        check_options(options, OPTIONS, "cross-attention probe")
        self.options = {**DEFAULTS, **options}
        model = getattr(embedder, "model", None)
        if (
            model is None
            or not all(
                hasattr(model, a) for a in ("vision_model", "text_model", "visual_projection")
            )
            or not callable(getattr(embedder, "tokenize", None))
        ):
            raise UsageError(
                f"cross-attention probe: {base_spec} does not expose CLIP token features"
            )
        self.model = model
        self.head: CrossAttentionHead | None = None

    def features(self) -> str:
        """Token features of both towers."""
        return "image-tokens+text-tokens"

    def head_settings(self) -> dict[str, Any]:
        """Head architecture and optimisation settings."""
        return {"head": "CrossAttentionHead", "optimizer": "AdamW", **self.options}

    @torch.no_grad()
    def token_features(self, images: ImageBatch, texts: Sequence[str]) -> TokenFeatures:
        """Projected image tokens (class token + pooled patch grid) and text tokens."""
        if isinstance(images, list):
            images = self.embedder.image_preprocessor()(images)
        if isinstance(images, Mapping):
            images = images["pixel_values"]
        parameter = next(self.model.parameters())
        pixels = images.to(parameter.device, parameter.dtype)
        vision = self.model.vision_model(pixel_values=pixels).last_hidden_state
        tokens = self.model.visual_projection(self.model.vision_model.post_layernorm(vision))
        image = _pool_patches(tokens, int(self.options["image_pool"]))
        encoded = self.embedder.tokenize(list(texts))
        text_out = self.model.text_model(
            input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"]
        ).last_hidden_state
        text = self.model.text_projection(text_out)
        return TokenFeatures(
            image.float().cpu(), text.float().cpu(), encoded["attention_mask"].bool().cpu()
        )

    def fit(self, batches: Iterable[LabeledBatch], *, seed: int) -> None:
        """Extract train features once, then train the head for a fixed number of epochs."""
        parts: list[TokenFeatures] = []
        labels: list[str] = []
        for batch in batches:
            parts.append(self.token_features(batch.images, batch.texts))
            labels.extend(str(x) for x in batch.labels)
        if not labels:
            raise UsageError("cross-attention probe: the train split is empty")
        self._labels = sorted(set(labels))
        target = torch.tensor([self._labels.index(x) for x in labels], dtype=torch.long)
        self.head = train_head(
            concat_features(parts), target, len(self._labels), self.options, seed
        )

    @torch.no_grad()
    def classify(self, images: ImageBatch, texts: Sequence[str]) -> np.ndarray:
        """Log-probabilities per label."""
        if self.head is None:
            raise UsageError("cross-attention probe: call fit() on a train split first")
        features = self.token_features(images, texts)
        logits = self.head(features.image, features.text, features.mask)
        return log_probabilities(torch.softmax(logits.double(), dim=1).numpy())


def _pool_patches(tokens: torch.Tensor, pool: int) -> torch.Tensor:
    """Keep the class token; average-pool the square patch grid by ``pool``."""
    if pool <= 1:
        return tokens
    cls, patches = tokens[:, :1], tokens[:, 1:]
    side = round(patches.shape[1] ** 0.5)
    grid = patches.transpose(1, 2).reshape(tokens.shape[0], -1, side, side)
    pooled = nn.functional.avg_pool2d(grid, pool).flatten(2).transpose(1, 2)
    return torch.cat([cls, pooled], dim=1)


def train_head(
    features: TokenFeatures,
    target: torch.Tensor,
    n_labels: int,
    options: Mapping[str, Any],
    seed: int,
) -> CrossAttentionHead:
    """Train a fresh head with AdamW on shuffled mini-batches (deterministic for ``seed``)."""
    torch.manual_seed(seed)
    head = CrossAttentionHead(
        features.image.shape[-1], int(options["hidden"]), int(options["heads"]), n_labels
    )
    optimizer = torch.optim.AdamW(
        head.parameters(), lr=float(options["lr"]), weight_decay=float(options["weight_decay"])
    )
    generator = torch.Generator().manual_seed(seed)
    size = int(options["batch_size"])
    head.train()
    for _ in range(int(options["epochs"])):
        order = torch.randperm(len(target), generator=generator)
        for start in range(0, len(order), size):
            rows = order[start : start + size]
            logits = head(features.image[rows], features.text[rows], features.mask[rows])
            loss = nn.functional.cross_entropy(logits, target[rows])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()  # type: ignore[no-untyped-call]
            optimizer.step()
    return head.eval()
