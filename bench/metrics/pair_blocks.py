"""Each image's hypothesis against each of its references, as dense padded blocks and bit masks.

Caption metrics compare a hypothesis only with the references of its own image, and captions
are short, so the comparison is done densely: images with similar sizes are stacked into a
:class:`PairBlock` (hypotheses ``[C, Wh]``, references ``[C, R, Wr]``, padded), and
:func:`match_masks` turns token equality into bit masks: bit ``j`` of ``mask[..., i, w]``
(word ``w = j // 64``) is set when token ``i`` of one side equals token ``j`` of the other.
N-gram matches follow by shifting and AND-ing (:func:`extend_matches`), counts by population
count. Padding uses a different negative value at every position, so padding never matches.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bench.metrics.ngrams import IntArray, TokenCorpus, token_corpus

U64Array = npt.NDArray[np.uint64]
_WORD = 64
_LITTLE_U64 = np.dtype("<u8")
_ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
#: Gathers the low bit of each of 8 bytes into one byte (bit k from byte k).
_GATHER_BYTES = np.uint64(0x0102040810204080)
#: Upper bound of C * R * Wh * Wr cells per block (memory of the equality cube).
MAX_CELLS = 1 << 22


@dataclass(frozen=True)
class CaptionTokens:
    """Tokenized hypotheses and references: sentence ``i < n_images`` is image ``i``'s
    hypothesis; image ``i``'s references are sentences ``ref_first[i]`` onwards."""

    corpus: TokenCorpus
    n_images: int
    ref_counts: IntArray
    ref_first: IntArray


def caption_tokens(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], *, separator: str | None
) -> CaptionTokens:
    """Token ids of hypotheses and references (every image needs one reference or more)."""
    n_img = len(hypotheses)
    ref_counts = np.fromiter(map(len, references), dtype=np.int64, count=n_img)
    if (ref_counts == 0).any():
        raise ValueError("every image needs at least one reference")
    sentences = list(hypotheses)
    for refs in references:
        sentences.extend(refs)
    ref_first = np.full(n_img, n_img, dtype=np.int64)
    np.cumsum(ref_counts[:-1], out=ref_first[1:])
    ref_first[1:] += n_img
    return CaptionTokens(token_corpus(sentences, separator=separator), n_img, ref_counts, ref_first)


@dataclass(frozen=True)
class PairBlock:
    """Images of similar sizes, padded to common widths.

    Attributes:
        images: ``[C]`` image index of each row.
        hyp: ``[C, Wh]`` hypothesis token ids (padding negative; int16 or int32).
        hyp_len: ``[C]`` hypothesis lengths.
        hyp_start: ``[C]`` position of each hypothesis's first token in the corpus.
        ref_rows: ``[C, R]`` sentence index of each reference (all images of a block have
            ``R`` references).
        refs: ``[C, R, Wr]`` reference token ids (padding negative).
        ref_len: ``[C, R]`` reference lengths.
    """

    images: IntArray
    hyp: IntArray
    hyp_len: IntArray
    hyp_start: IntArray
    ref_rows: IntArray
    refs: IntArray
    ref_len: IntArray


def _round_up(values: IntArray, step: int) -> IntArray:
    return np.maximum(-(-values // step) * step, step)


def _narrow_ids(corpus: TokenCorpus) -> tuple[IntArray, int]:
    """Token ids in the narrowest signed type that also holds the paddings, and the padding
    offset of the reference side: the hypothesis side pads -1, -2, ..., the reference side
    ``-offset - 1``, ...; twice the width further down stays in the type (users may shift
    the padding by a width to get a copy that pads differently)."""
    longest = int(corpus.lengths.max(initial=0)) + 8
    if corpus.id_bound < 1 << 15 and longest < 1 << 12:
        return corpus.ids.astype(np.int16), 1 << 14
    if corpus.id_bound < 1 << 31 and longest < 1 << 28:
        return corpus.ids.astype(np.int32), 1 << 30
    return corpus.ids, 1 << 40


def _padded(
    corpus: TokenCorpus, ids: IntArray, rows: IntArray, width: int, pad_base: int
) -> IntArray:
    """Token ids of sentences ``rows`` (any shape) padded to ``width`` with distinct
    negative values (``-pad_base - 1 - column``)."""
    cols = np.arange(width, dtype=np.int64)
    index = corpus.starts[rows][..., None] + cols
    valid = cols < corpus.lengths[rows][..., None]
    found = ids[np.minimum(index, ids.size - 1)] if ids.size else index.astype(ids.dtype)
    return np.where(valid, found, (-pad_base - 1 - cols).astype(ids.dtype))


def pair_blocks(tokens: CaptionTokens, max_cells: int = MAX_CELLS) -> list[PairBlock]:
    """All images as blocks grouped by (reference count, padded widths)."""
    corpus = tokens.corpus
    n_img = tokens.n_images
    if n_img == 0:
        return []
    hyp_len = corpus.lengths[:n_img]
    ref_len = corpus.lengths[n_img:]
    longest_ref = np.maximum.reduceat(ref_len, tokens.ref_first - n_img)
    wh = _round_up(hyp_len, 8)
    wr = _round_up(longest_ref, 8)
    counts = tokens.ref_counts
    order = np.lexsort((wh, wr, counts))
    key = np.stack([counts[order], wr[order], wh[order]], axis=1)
    change = np.flatnonzero((key[1:] != key[:-1]).any(axis=1)) + 1
    bounds = [0, *change.tolist(), n_img]
    ids, ref_pad = _narrow_ids(corpus)
    blocks: list[PairBlock] = []
    for start, stop in itertools.pairwise(bounds):
        n_refs, width_r, width_h = (int(v) for v in key[start])
        per_block = max(1, max_cells // (n_refs * width_r * width_h))
        for lo in range(start, stop, per_block):
            images = order[lo : min(lo + per_block, stop)]
            ref_rows = tokens.ref_first[images][:, None] + np.arange(n_refs)
            blocks.append(
                PairBlock(
                    images=images,
                    hyp=_padded(corpus, ids, images, width_h, 0),
                    hyp_len=hyp_len[images],
                    hyp_start=corpus.starts[images],
                    ref_rows=ref_rows,
                    refs=_padded(corpus, ids, ref_rows, width_r, ref_pad),
                    ref_len=corpus.lengths[ref_rows],
                )
            )
    return blocks


def match_masks(a: IntArray, b: IntArray) -> U64Array:
    """``[..., Wa, nw]`` masks: bit ``j`` of row ``i`` set when ``a[..., i] == b[..., j]``.

    ``a`` is ``[..., Wa]`` and ``b`` ``[..., Wb]`` with broadcastable leading dimensions and
    ``Wb`` a multiple of 8; ``nw = ceil(Wb / 64)``.
    """
    equal = a[..., :, None] == b[..., None, :]  # [..., Wa, Wb] bool (one byte each)
    width = equal.shape[-1]
    groups = equal.view(_LITTLE_U64)  # [..., Wa, Wb / 8]: 8 booleans per word
    packed = (groups * _GATHER_BYTES) >> np.uint64(56)  # one byte of bits per group
    n_words = -(-width // _WORD)
    out = np.zeros((*packed.shape[:-1], n_words), dtype=np.uint64)
    for g in range(packed.shape[-1]):
        out[..., g // 8] |= packed[..., g] << np.uint64(8 * (g % 8))
    return out


def extend_matches(current: U64Array, unigram: U64Array, k: int) -> U64Array:
    """Matches of (k+1)-grams from k-gram matches ``current`` and unigram matches:
    ``current[i] & (unigram[i + k] >> k)`` on multi-word masks (zero past the end)."""
    width = current.shape[-2]
    out = np.zeros_like(current)
    if k >= width:
        return out
    later = unigram[..., k:, :]
    shifted = later >> np.uint64(k)
    if later.shape[-1] > 1:
        shifted[..., :-1] |= later[..., 1:] << np.uint64(_WORD - k)
    np.bitwise_and(current[..., : width - k, :], shifted, out=out[..., : width - k, :])
    return out


_BYTE_BITS = np.array([bin(v).count("1") for v in range(256)], dtype=np.int64)


def popcount(masks: U64Array) -> IntArray:
    """Number of set bits of each ``[..., nw]`` mask, summed over its words."""
    if not hasattr(np, "bitwise_count"):  # pragma: no cover - numpy < 2
        per_byte = _BYTE_BITS[masks.view(np.uint8)]
        return np.asarray(per_byte.reshape(*masks.shape[:-1], -1).sum(axis=-1))
    if masks.shape[-1] == 1:
        return np.asarray(np.bitwise_count(masks[..., 0]))
    return np.asarray(np.bitwise_count(masks).sum(axis=-1, dtype=np.int64))


def low_bits(width: int, n_words: int) -> U64Array:
    """``[width, n_words]``: row ``i`` has bits ``0 .. i`` set."""
    bits = np.clip(np.arange(width)[:, None] + 1 - _WORD * np.arange(n_words)[None, :], 0, _WORD)
    out = np.where(
        bits >= _WORD,
        _ALL_ONES,
        (np.uint64(1) << np.minimum(bits, _WORD - 1).astype(np.uint64)) - np.uint64(1),
    )
    return np.asarray(out, dtype=np.uint64)
