"""Sparse n-gram count matrices for a corpus of tokenized sentences.

Every distinct n-gram (n = 1..4) of the corpus gets a column; row ``s`` of the CSR matrix
holds sentence ``s``'s n-gram counts. Tokens are whitespace-split as pycocoevalcap's
``str.split()`` does (so a no-break space inside a PTB token separates words here, as
there). Ids are built with integer arithmetic and ``np.unique``: no Python loop per
n-gram.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class NgramCounts:
    """N-gram counts of a corpus.

    Attributes:
        counts: CSR ``[n_sentences, n_columns]`` float64 counts.
        order: ``[n_columns]`` n-gram order (1..max_n) of each column.
        lengths: ``[n_sentences]`` number of tokens of each sentence.
    """

    counts: sparse.csr_matrix
    order: IntArray
    lengths: IntArray


def token_ids(sentences: Sequence[str]) -> tuple[IntArray, IntArray]:
    """Vocabulary ids of all tokens (flattened) and each sentence's token count."""
    lengths = np.fromiter(map(len, map(str.split, sentences)), dtype=np.int64, count=len(sentences))
    tokens = "\n".join(sentences).split()
    vocab = {t: i for i, t in enumerate(dict.fromkeys(tokens))}
    flat = np.fromiter(map(vocab.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    return flat, lengths


def ngram_counts(sentences: Sequence[str], max_n: int = 4) -> NgramCounts:
    """Count the 1..``max_n``-grams of every sentence (see module docstring)."""
    flat, lengths = token_ids(sentences)
    n_sent = len(lengths)
    sent = np.repeat(np.arange(n_sent, dtype=np.int64), lengths)
    vocab_size = int(flat.max()) + 1 if flat.size else 1
    rows: list[IntArray] = [sent]
    cols: list[IntArray] = [flat]
    orders: list[IntArray] = [np.ones(vocab_size, dtype=np.int64)]
    offset = vocab_size
    prev = flat  # id of the (k-1)-gram starting at each position (-1: none)
    for k in range(2, max_n + 1):
        if len(sent) < k:
            break
        # positions whose k-gram stays inside one sentence (then so does its (k-1)-gram)
        starts = np.flatnonzero(sent[k - 1 :] == sent[: len(sent) - k + 1])
        keys = prev[starts] * vocab_size + flat[starts + k - 1]
        uniq, ids = np.unique(keys, return_inverse=True)
        full = np.full(len(sent), -1, dtype=np.int64)
        full[starts] = ids
        rows.append(sent[starts])
        cols.append(ids + offset)
        orders.append(np.full(uniq.size, k, dtype=np.int64))
        offset += uniq.size
        prev = full
    row = np.concatenate(rows)
    col = np.concatenate(cols)
    counts = sparse.csr_matrix(
        (np.ones(row.size, dtype=np.float64), (row, col)), shape=(n_sent, offset)
    )
    counts.sum_duplicates()
    return NgramCounts(counts, np.concatenate(orders), lengths)


@dataclass(frozen=True)
class Slot:
    """The ``j``-th row of each owner: ``matrix[owners]`` is row ``rows`` of the source."""

    matrix: sparse.csr_matrix
    owners: IntArray
    rows: IntArray


def rows_by_slot(matrix: sparse.csr_matrix, owner: IntArray, n_owners: int) -> list[Slot]:
    """Split rows into aligned ``[n_owners, n_cols]`` matrices, one per rank within owner.

    Slot ``j`` holds, for each owner (an image), its ``j``-th row (its ``j``-th reference)
    or an empty row, so element-wise operations across slots need no Python loop over
    images.
    """
    order = np.argsort(owner, kind="stable")
    sorted_owner = owner[order]
    first = np.searchsorted(sorted_owner, sorted_owner, side="left")
    rank = np.empty_like(owner)
    rank[order] = np.arange(owner.size) - first
    slots: list[Slot] = []
    for j in range(int(rank.max()) + 1 if rank.size else 0):
        pick = np.flatnonzero(rank == j)
        selector = sparse.csr_matrix(
            (np.ones(pick.size), (owner[pick], pick)), shape=(n_owners, matrix.shape[0])
        )
        slots.append(Slot(sparse.csr_matrix(selector @ matrix), owner[pick], pick))
    return slots


def per_order_sums(matrix: sparse.csr_matrix, order: IntArray, max_n: int) -> FloatArray:
    """``[n_rows, max_n]`` sums of each row's entries by n-gram order."""
    coo = matrix.tocoo()
    key = coo.row.astype(np.int64) * max_n + (order[coo.col] - 1)
    sums = np.bincount(key, weights=coo.data, minlength=matrix.shape[0] * max_n)
    return np.asarray(sums.reshape(matrix.shape[0], max_n), dtype=np.float64)
