"""Token ids and n-gram ids of a corpus of tokenized sentences, without Python loops per n-gram.

Tokens are split as pycocoevalcap splits them (``str.split()`` for BLEU and CIDEr, so a
no-break space inside a PTB token separates words there too; ``split(" ")`` for ROUGE-L).
Each distinct token gets a dense id from one dictionary pass; each distinct n-gram gets a
dense id per order from the pair (id of its (n-1)-gram prefix, id of its last token), sorted
with a least-significant-digit radix sort made of stable 16-bit argsorts (numpy sorts 16-bit
keys by counting, so the sort is linear in the number of n-grams).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bench.metrics.token_keys import token_keys

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class TokenCorpus:
    """The tokens of a list of sentences, flattened.

    Attributes:
        ids: ``[n_tokens]`` non-negative token ids, sentence after sentence: equal ids for
            equal tokens, not necessarily dense (see :mod:`bench.metrics.token_keys`).
        starts: ``[n_sentences]`` offset of each sentence's first token in ``ids``.
        lengths: ``[n_sentences]`` number of tokens of each sentence.
        id_bound: one more than the largest id (0 without tokens).
    """

    ids: IntArray
    starts: IntArray
    lengths: IntArray
    id_bound: int


#: Joins sentences so that one ``split`` call tokenizes the whole corpus; the marker is a
#: token of its own under both kinds of split, and is not whitespace.
_MARK = "\x01"


def _words(sentences: Sequence[str], separator: str | None) -> tuple[list[str], IntArray | None]:
    """All tokens, with the marker between sentences (lengths None) when one split of the
    joined corpus is exact, else without it (and each sentence's length)."""
    glue = " " if separator is None else separator
    text = f"{glue}{_MARK}{glue}".join(sentences)
    if separator in (None, " ") and text.count(_MARK) == len(sentences) - 1:
        return text.split(separator), None
    split = [s.split(separator) for s in sentences]
    lengths = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
    return list(itertools.chain.from_iterable(split)), lengths


def token_corpus(sentences: Sequence[str], *, separator: str | None = None) -> TokenCorpus:
    """Token ids of ``sentences`` split by ``separator`` (``None``: any whitespace)."""
    found = token_keys(sentences, separator) if sentences else None
    if found is not None:
        ids, lengths = found
    elif not sentences:
        ids = lengths = np.zeros(0, dtype=np.int64)
    else:
        ids, lengths = _dictionary_ids(sentences, separator)
    starts = np.zeros(lengths.size, dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return TokenCorpus(ids, starts, lengths, int(ids.max()) + 1 if ids.size else 0)


def _dictionary_ids(sentences: Sequence[str], separator: str | None) -> tuple[IntArray, IntArray]:
    """Dense token ids through a dictionary, and each sentence's token count."""
    words, lengths = _words(sentences, separator)
    vocab: dict[str, int] = {}
    # setdefault keeps the position of each token's first occurrence as its provisional id
    first = np.fromiter(
        map(vocab.setdefault, words, itertools.count()), dtype=np.int64, count=len(words)
    )
    if lengths is None:
        is_mark = first == vocab.pop(_MARK, -1)
        ends = np.append(np.flatnonzero(is_mark), first.size)
        lengths = np.diff(ends, prepend=-1) - 1
        first = first[~is_mark]
    dense = np.zeros(max(len(words), 1), dtype=np.int64)
    dense[np.fromiter(vocab.values(), dtype=np.int64, count=len(vocab))] = np.arange(len(vocab))
    return dense[first], lengths


def radix_argsort(keys: IntArray) -> IntArray:
    """A stable argsort of non-negative integer keys, 16 bits per pass."""
    if keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    order: IntArray | None = None
    for shift in range(0, max(int(keys.max()).bit_length(), 1), 16):
        digits = ((keys if order is None else keys[order]) >> shift).astype(np.uint16)
        step = np.argsort(digits, kind="stable")
        order = step if order is None else order[step]
    assert order is not None
    return order


@dataclass(frozen=True)
class NgramOrder:
    """The n-grams of one order: one entry per start position where one fits in its sentence,
    grouped by n-gram, positions increasing inside a group (so sentences do too).

    Attributes:
        positions: ``[m]`` token position where each n-gram starts.
        ngram: ``[m]`` dense n-gram id (0 .. n_ngrams - 1), non-decreasing.
        first: ``[m]`` True for the first entry of each n-gram.
        n_ngrams: number of distinct n-grams of this order.
    """

    positions: IntArray
    ngram: IntArray
    first: BoolArray
    n_ngrams: int


def _grouped(positions: IntArray, *keys: IntArray) -> NgramOrder:
    """The order whose groups are the runs of equal ``keys`` along ``positions``."""
    first = np.empty(positions.size, dtype=bool)
    first[:1] = True
    if positions.size:
        np.not_equal(keys[0][1:], keys[0][:-1], out=first[1:])
        for key in keys[1:]:
            first[1:] |= key[1:] != key[:-1]
    ngram = np.cumsum(first) - 1
    return NgramOrder(positions, ngram, first, int(ngram[-1]) + 1 if ngram.size else 0)


def dense_ids(unigrams: NgramOrder) -> IntArray:
    """The dense id (0 .. n_ngrams - 1) of the token at each position, from order 1."""
    dense = np.empty(unigrams.positions.size, dtype=np.int64)
    dense[unigrams.positions] = unigrams.ngram
    return dense


_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the high bits of key * _MIX


def _token_groups(keys: IntArray) -> IntArray:
    """A stable argsort that makes equal ``keys`` contiguous (not necessarily in key order).

    Wide keys are first sorted by a 32-bit hash (two radix passes instead of four); if two
    different keys share a hash, the exact sort is used instead.
    """
    if keys.size == 0 or int(keys.max()) < 1 << 32:
        return radix_argsort(keys)
    hashed = ((keys.astype(np.uint64) * _MIX) >> np.uint64(32)).astype(np.int64)
    order = radix_argsort(hashed)
    sorted_keys, sorted_hashes = keys[order], hashed[order]
    if np.any((sorted_hashes[1:] == sorted_hashes[:-1]) & (sorted_keys[1:] != sorted_keys[:-1])):
        return radix_argsort(keys)
    return order


def ngram_orders(corpus: TokenCorpus, max_n: int) -> list[NgramOrder]:
    """:class:`NgramOrder` for n = 1 .. ``max_n`` (an order with no n-gram is empty).

    Order 1 groups the token ids. Order n keeps the entries of order n-1 whose n-gram fits in
    the sentence, in their order (grouped by (n-1)-gram), and sorts them stably by their
    last token: equal n-grams become contiguous with one 16-bit radix pass (vocabularies up
    to 65,536 tokens), positions still increasing inside each group.
    """
    order = _token_groups(corpus.ids)
    unigrams = _grouped(order, corpus.ids[order])
    dense = dense_ids(unigrams)
    room = np.repeat(corpus.starts + corpus.lengths, corpus.lengths) - np.arange(dense.size)
    out = [unigrams]
    for n in range(2, max_n + 1):
        previous = out[-1]
        kept = np.flatnonzero(room[previous.positions] >= n)
        last = dense[previous.positions[kept] + n - 1]
        step = radix_argsort(last)
        chosen = kept[step]
        out.append(_grouped(previous.positions[chosen], previous.ngram[chosen], last[step]))
    return out
