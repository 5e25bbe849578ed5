"""The embeddings path of :mod:`bench.metrics.retrieval`: chunked scores on a torch device.

Imported only when embeddings are scored, so scoring a saved score matrix never imports
torch. The two directions are processed separately (texts against all images, then images
against all texts), each chunk computed by one matrix product whose rows contain the
positives they are compared with, so every comparison uses scores from the same kernel.
Peak memory is ``chunk x n_other`` scores plus the embeddings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from bench.metrics.retrieval import Ranks, Ties, _check_targets, _failed_mask

if TYPE_CHECKING:
    import torch

_CHUNK_ELEMENTS = 8 * 1024 * 1024


def _as_tensor(values: object, device: str) -> torch.Tensor:
    import torch

    tensor = values if isinstance(values, torch.Tensor) else torch.as_tensor(np.asarray(values))
    if tensor.ndim != 2:
        raise ValueError(f"embeddings must be 2-D, got shape {tuple(tensor.shape)}")
    return tensor.to(device)


def ranks_from_embeddings(
    text_emb: object,
    image_emb: object,
    text_to_image: Sequence[int],
    *,
    chunk_size: int | None = None,
    device: str = "cpu",
    failed_texts: Sequence[int] | None = None,
    failed_images: Sequence[int] | None = None,
    ties: Ties = "index",
) -> Ranks:
    """Ranks of every query from embeddings (scores are dot products, see module doc)."""
    import torch

    texts = _as_tensor(text_emb, device)
    images = _as_tensor(image_emb, device).to(texts.dtype)
    n_texts, n_images = texts.shape[0], images.shape[0]
    if texts.shape[1] != images.shape[1]:
        raise ValueError(f"embedding widths differ: {texts.shape[1]} vs {images.shape[1]}")
    targets_np = _check_targets(text_to_image, n_texts, n_images)
    bad_text_np = _failed_mask(failed_texts, n_texts, "text")
    bad_image_np = _failed_mask(failed_images, n_images, "image")
    targets = torch.as_tensor(targets_np, device=device)
    bad_text = torch.as_tensor(bad_text_np, device=device)
    bad_image = torch.as_tensor(bad_image_np, device=device)
    index_ties = ties == "index"

    with torch.no_grad():
        # text -> image: each row holds its own positive
        t2i = torch.empty(n_texts, dtype=torch.int64, device=device)
        cols = torch.arange(n_images, device=device)
        step = chunk_size or max(1, _CHUNK_ELEMENTS // max(n_images, 1))
        for start in range(0, n_texts, step):
            stop = min(start + step, n_texts)
            block = texts[start:stop] @ images.T
            _reject_nan(block, bad_text[start:stop], bad_image, start)
            target = targets[start:stop]
            pos = block.gather(1, target[:, None])
            tie_ahead = (
                (cols[None, :] < target[:, None])
                if index_ties
                else (cols[None, :] != target[:, None])
            )
            ahead = ((block > pos) | ((block == pos) & tie_ahead)) & ~bad_image[None, :]
            t2i[start:stop] = 1 + ahead.sum(dim=1)
        t2i[bad_text | bad_image[targets]] = n_images

        # image -> text: each row holds all the image's captions; their scores are read
        # from the row itself through a small [n_images, max_captions] index table
        i2t = torch.empty(n_images, dtype=torch.int64, device=device)
        text_index = torch.arange(n_texts, device=device)
        captions = _caption_table(targets_np, bad_text_np | bad_image_np[targets_np], n_images)
        table = torch.as_tensor(captions, device=device)
        step = chunk_size or max(1, _CHUNK_ELEMENTS // max(n_texts, 1))
        for start in range(0, n_images, step):
            stop = min(start + step, n_images)
            block = images[start:stop] @ texts.T  # [chunk, n_texts]
            rows_table = table[start:stop]
            valid = rows_table >= 0
            own = block.gather(1, rows_table.clamp(min=0))
            own = own.masked_fill(~valid, -torch.inf)
            best = own.max(dim=1).values
            has = valid.any(dim=1)
            at_best = (own == best[:, None]) & valid
            # captions are listed in increasing text order: the first at the best is the
            # lowest-index one
            first_slot = at_best.to(torch.int8).argmax(dim=1)
            first = rows_table.gather(1, first_slot[:, None])[:, 0]
            ahead = block > best[:, None]
            if index_ties:
                ahead |= (block == best[:, None]) & (text_index[None, :] < first[:, None])
            else:
                ahead |= block == best[:, None]
            ahead &= ~bad_text[None, :]
            count = ahead.sum(dim=1)
            if not index_ties:  # the image's own captions at the best score are hits
                count -= at_best.sum(dim=1)
            rank = 1 + count
            rank[~has | bad_image[start:stop]] = n_texts + 1
            i2t[start:stop] = rank
    return Ranks(t2i.cpu().numpy().astype(np.int64), i2t.cpu().numpy().astype(np.int64))


def _caption_table(targets: np.ndarray, unusable: np.ndarray, n_images: int) -> np.ndarray:
    """``[n_images, max_captions]`` usable caption indices of each image, ascending, -1 padded."""
    keep = np.flatnonzero(~unusable)
    owner = targets[keep]
    order = np.argsort(owner, kind="stable")
    keep, owner = keep[order], owner[order]
    counts = np.bincount(owner, minlength=n_images)
    width = max(1, int(counts.max(initial=0)))
    table = np.full((n_images, width), -1, dtype=np.int64)
    slot = np.arange(keep.size) - np.repeat(np.cumsum(counts) - counts, counts)
    table[owner, slot] = keep
    return table


def _reject_nan(
    block: torch.Tensor, bad_rows: torch.Tensor, bad_cols: torch.Tensor, offset: int
) -> None:
    import torch

    nan = torch.isnan(block) & ~bad_rows[:, None] & ~bad_cols[None, :]
    if bool(nan.any()):
        r, c = (int(v) for v in torch.nonzero(nan)[0])
        raise ValueError(f"NaN score at [{offset + r}, {c}] (an embedding contains NaN)")
