"""ROUGE-L as pycocoevalcap's ``Rouge`` computes it, with a bit-parallel LCS.

Per image: the longest common subsequence with each reference gives a precision
(``lcs / len(hyp)``) and a recall (``lcs / len(ref)``); the *maxima over references are
taken separately* and combined as ``(1 + b^2) P R / (R + b^2 P)`` with ``b = 1.2`` (0 when
either is 0). Quirk kept: tokens come from ``str.split(" ")``, so an empty caption is one
empty token (and two adjacent spaces make an empty token).

The LCS of all (hypothesis, reference) pairs is computed at once with Hyyro's bit-vector
algorithm on uint64 words: the shorter sequence of each pair is the bit pattern, and one
vectorised step per token of the longer one updates every pair. Pairs whose sequences are
both longer than 64 tokens fall back to dynamic programming.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from bench.metrics.base import FloatArray
from bench.metrics.ngrams import IntArray

BETA = 1.2
_WORD_BITS = 64
_CHUNK = 4096


def _popcount(values: npt.NDArray[np.uint64]) -> IntArray:
    if hasattr(np, "bitwise_count"):
        return np.asarray(np.bitwise_count(values), dtype=np.int64)
    as_bytes = values.view(np.uint8).reshape(values.size, 8)  # pragma: no cover - numpy<2
    bits = np.unpackbits(as_bytes, axis=1).sum(axis=1)  # pragma: no cover
    return np.asarray(bits, dtype=np.int64)  # pragma: no cover


def _padded(ids: IntArray, starts: IntArray, lengths: IntArray, width: int, fill: int) -> IntArray:
    cols = np.arange(width)
    index = starts[:, None] + cols[None, :]
    valid = cols[None, :] < lengths[:, None]
    return np.where(valid, ids[np.minimum(index, max(ids.size - 1, 0))], fill)


def _match_masks(a: IntArray, b: IntArray) -> npt.NDArray[np.uint64]:
    """``masks[p, j]``: bit ``i`` set when ``a[p, i] == b[p, j]`` (``a`` at most 64 wide)."""
    eq = a[:, :, None] == b[:, None, :]
    packed = np.packbits(eq, axis=1, bitorder="little")  # [P, ceil(Wa/8), Wb]
    full = np.zeros((a.shape[0], 8, b.shape[1]), dtype=np.uint8)
    full[:, : packed.shape[1], :] = packed
    return np.ascontiguousarray(full.transpose(0, 2, 1)).view("<u8")[..., 0]


def _lcs_bitparallel(
    ids: IntArray, a_start: IntArray, a_len: IntArray, b_start: IntArray, b_len: IntArray
) -> IntArray:
    """LCS lengths of pairs (a_i, b_i) of token runs in ``ids``; every ``a_len <= 64``."""
    out = np.zeros(a_len.size, dtype=np.int64)
    for lo in range(0, a_len.size, _CHUNK):
        sl = slice(lo, lo + _CHUNK)
        a = _padded(ids, a_start[sl], a_len[sl], int(a_len[sl].max()), -1)
        b = _padded(ids, b_start[sl], b_len[sl], int(b_len[sl].max()), -2)
        masks = np.asarray(_match_masks(a, b), dtype=np.uint64)
        v = np.full(a.shape[0], np.iinfo(np.uint64).max, dtype=np.uint64)
        for j in range(b.shape[1]):
            u = np.bitwise_and(v, masks[:, j])
            v = np.bitwise_or(v + u, v - u)
        length = a_len[sl].astype(np.uint64)
        low = np.where(
            length >= _WORD_BITS,
            np.uint64(np.iinfo(np.uint64).max),
            (np.uint64(1) << np.minimum(length, np.uint64(_WORD_BITS - 1))) - np.uint64(1),
        ).astype(np.uint64)
        out[sl] = a_len[sl] - _popcount(v & low)
    return out


def _lcs_dp(a: Sequence[int], b: Sequence[int]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l_scores(
    hypotheses: Sequence[str], references: Sequence[Sequence[str]], *, beta: float = BETA
) -> FloatArray:
    """Per-image ROUGE-L of tokenized captions (pycocoevalcap's ``Rouge().compute_score``)."""
    n_img = len(hypotheses)
    if n_img == 0:
        return np.zeros(0, dtype=np.float64)
    ref_counts = np.fromiter((len(r) for r in references), dtype=np.int64, count=n_img)
    if (ref_counts == 0).any():
        raise ValueError("every image needs at least one reference")
    sentences = list(hypotheses) + [r for refs in references for r in refs]
    split = [s.split(" ") for s in sentences]
    lengths = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
    tokens = [t for words in split for t in words]
    vocab = {t: i for i, t in enumerate(dict.fromkeys(tokens))}
    ids = np.fromiter(map(vocab.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)

    owner = np.repeat(np.arange(n_img, dtype=np.int64), ref_counts)
    ref_index = n_img + np.arange(owner.size, dtype=np.int64)
    hyp_len, ref_len = lengths[owner], lengths[ref_index]
    hyp_start, ref_start = starts[owner], starts[ref_index]
    hyp_shorter = hyp_len <= ref_len
    a_start = np.where(hyp_shorter, hyp_start, ref_start)
    a_len = np.where(hyp_shorter, hyp_len, ref_len)
    b_start = np.where(hyp_shorter, ref_start, hyp_start)
    b_len = np.where(hyp_shorter, ref_len, hyp_len)
    lcs = np.zeros(owner.size, dtype=np.int64)
    fits = a_len <= _WORD_BITS
    pick = np.flatnonzero(fits)
    lcs[pick] = _lcs_bitparallel(ids, a_start[pick], a_len[pick], b_start[pick], b_len[pick])
    for p in np.flatnonzero(~fits):
        a = ids[a_start[p] : a_start[p] + a_len[p]].tolist()
        b = ids[b_start[p] : b_start[p] + b_len[p]].tolist()
        lcs[p] = _lcs_dp(a, b)

    precision = lcs / hyp_len
    recall = lcs / ref_len
    prec_max = np.zeros(n_img)
    rec_max = np.zeros(n_img)
    np.maximum.at(prec_max, owner, precision)
    np.maximum.at(rec_max, owner, recall)
    ok = (prec_max != 0) & (rec_max != 0)
    b2 = beta**2
    denom = np.where(ok, rec_max + b2 * prec_max, 1.0)
    return np.where(ok, ((1 + b2) * prec_max * rec_max) / denom, 0.0)
