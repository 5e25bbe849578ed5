"""Bit-mask building blocks of the caption metrics against brute force."""

from __future__ import annotations

import numpy as np

from bench.metrics.pair_blocks import (
    caption_tokens,
    extend_matches,
    low_bits,
    match_masks,
    pair_blocks,
    popcount,
)


def _bits(mask_row: np.ndarray) -> set[int]:
    return {
        64 * w + b for w, word in enumerate(mask_row.tolist()) for b in range(64) if word >> b & 1
    }


def test_ngram_masks_and_counts_match_brute_force_across_words() -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 3, (4, 70))
    b = rng.integers(0, 3, (4, 136))  # three 64-bit words
    unigram = match_masks(a, b)
    current = unigram
    for k in range(4):
        if k:
            current = extend_matches(current, unigram, k)
        counts = popcount(current)
        for row in range(4):
            for i in range(a.shape[1]):
                expected = {
                    j
                    for j in range(b.shape[1] - k)
                    if i + k < a.shape[1] and (a[row, i : i + k + 1] == b[row, j : j + k + 1]).all()
                }
                assert _bits(current[row, i]) == expected
                assert counts[row, i] == len(expected)


def test_low_bits_cover_positions_up_to_each_row() -> None:
    masks = low_bits(130, 3)
    for i in (0, 1, 62, 63, 64, 65, 127, 128, 129):
        assert _bits(masks[i]) == set(range(i + 1))


def test_blocks_cover_every_image_once_with_its_references_in_order() -> None:
    hyps = ["a b", "", "c " * 70, "d"]
    refs = [["a", "b b"], ["x"], ["c", "c c", "c " * 90], ["d " * 9]]
    tokens = caption_tokens(hyps, refs, separator=None)
    blocks = pair_blocks(tokens, max_cells=600)  # small blocks: images are split up
    seen = sorted(int(i) for block in blocks for i in block.images)
    assert seen == [0, 1, 2, 3]
    for block in blocks:
        for row, image in enumerate(block.images.tolist()):
            words = hyps[image].split()
            assert block.hyp_len[row] == len(words)
            assert (block.hyp[row, : len(words)] >= 0).all()
            assert (block.hyp[row, len(words) :] < 0).all()
            assert block.ref_len[row].tolist() == [len(r.split()) for r in refs[image]]
            assert block.ref_rows[row].tolist() == [
                int(tokens.ref_first[image]) + r for r in range(len(refs[image]))
            ]
