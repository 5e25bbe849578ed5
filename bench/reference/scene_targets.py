"""Per-cell scene attributes as classification targets (an auxiliary training signal).

The shapes train splits store each image's scene (kind, colour, size and grid cell of every
shape). While training the dual encoder, a throw-away linear head reads the image tower's
pooled output and predicts, for each of the nine grid cells, the kind, colour and size of
the shape there (or "empty"). This dense signal teaches the small image tower to tell shape
kinds apart in far fewer steps than the contrastive loss alone; the head is not saved.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bench.data.shapes.vocab import CELLS, COLOURS, KINDS, SIZES

if TYPE_CHECKING:
    import torch

#: Attributes predicted per cell and their class counts (index 0 = no shape in the cell).
ATTRIBUTES = (
    ("kind", 1 + len(KINDS)),
    ("color", 1 + len(COLOURS)),
    ("size", 1 + len(SIZES)),
)
_INDEX = {
    "kind": {k.name: i + 1 for i, k in enumerate(KINDS)},
    "color": {c.name: i + 1 for i, c in enumerate(COLOURS)},
    "size": {s.name: i + 1 for i, s in enumerate(SIZES)},
}
_CELL = {c.name: i for i, c in enumerate(CELLS)}
N_CELLS = len(CELLS)


def scene_targets(scenes: Sequence[str]) -> torch.Tensor:
    """``long [N, cells, attributes]`` targets of scene JSON strings (0 where a cell is empty)."""
    import torch

    out = torch.zeros((len(scenes), N_CELLS, len(ATTRIBUTES)), dtype=torch.long)
    for row, text in enumerate(scenes):
        for shape in json.loads(text)["shapes"]:
            cell = _CELL[str(shape["position"])]
            for column, (name, _) in enumerate(ATTRIBUTES):
                out[row, cell, column] = _INDEX[name][str(shape[name])]
    return out


def head_outputs() -> int:
    """Logits the auxiliary head produces per image."""
    return N_CELLS * sum(n for _, n in ATTRIBUTES)


def scene_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over cells and attributes; ``logits`` is ``[N, head_outputs()]``."""
    import torch

    losses = []
    start = 0
    per_cell = logits.view(len(logits), N_CELLS, -1)
    for column, (_, classes) in enumerate(ATTRIBUTES):
        part = per_cell[:, :, start : start + classes]
        losses.append(
            torch.nn.functional.cross_entropy(
                part.reshape(-1, classes), targets[:, :, column].reshape(-1)
            )
        )
        start += classes
    return torch.stack(losses).mean()
