"""Token ids and n-gram ids agree with plain Python splitting and counting."""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np
import pytest

from bench.metrics.ngrams import _token_groups, ngram_orders, radix_argsort, token_corpus
from bench.metrics.token_keys import token_keys

_PIECES = [
    *"ab c\t\x00\u00e9\u00a0x  yz09\x0b\x1c\x1f\x05\x0e",
    "\x01",
    "\U0001f600",
    "\ud800",
    "ab\x00",
    "ab\x00\x00",
]


def _sentences(rng: random.Random) -> list[str]:
    out = ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 30))) for _ in range(5)]
    if rng.random() < 0.5:  # tokens of 8-15 and of more than 15 bytes
        out[rng.randrange(5)] += " " + "".join(
            rng.choice("ab\x00") for _ in range(rng.randint(6, 20))
        )
    return out[: rng.randint(1, 5)]


def _same_partition(ids: list[int], words: list[str]) -> bool:
    """Equal ids exactly for equal words."""
    by_id: dict[int, str] = {}
    by_word: dict[str, int] = {}
    return all(
        by_id.setdefault(i, w) == w and by_word.setdefault(w, i) == i
        for i, w in zip(ids, words, strict=True)
    )


@pytest.mark.parametrize("separator", [None, " "])
def test_byte_keys_number_tokens_like_str_split(separator: str | None) -> None:
    rng = random.Random(0 if separator is None else 1)
    used = 0
    for _ in range(3000):
        sentences = _sentences(rng)
        found = token_keys(sentences, separator)
        if found is None:
            continue
        used += 1
        keys, lengths = found
        words = [s.split(separator) for s in sentences]
        assert lengths.tolist() == [len(w) for w in words], sentences
        assert _same_partition(keys.tolist(), [t for w in words for t in w]), sentences
    assert used == 3000  # none of these needs the dictionary


@pytest.mark.parametrize(
    ("sentences", "separator"),
    [
        (["a\nb", "c"], None),  # a newline inside a sentence
        (["a\u3000b"], None),  # a Unicode blank other than the no-break space
        (["a\u2028b"], None),
        (["a,b"], ","),  # another separator
    ],
)
def test_byte_keys_decline_what_they_cannot_split(
    sentences: list[str], separator: str | None
) -> None:
    assert token_keys(sentences, separator) is None
    corpus = token_corpus(sentences, separator=separator)  # the dictionary path
    words = [t for s in sentences for t in s.split(separator)]
    assert _same_partition(corpus.ids.tolist(), words)
    assert corpus.lengths.tolist() == [len(s.split(separator)) for s in sentences]


def test_every_unicode_blank_of_str_split_is_declined_or_split() -> None:
    for code in range(0x80, 0x10000):
        blank = chr(code)
        if blank.isspace():
            found = token_keys([f"a{blank}b c"], None)
            assert found is None or found[1].tolist() == [3], hex(code)


def test_radix_argsort_is_a_stable_argsort() -> None:
    rng = np.random.default_rng(0)
    for high in (3, 1 << 16, 1 << 40, 1 << 62):
        keys = rng.integers(0, high, 5000)
        assert radix_argsort(keys).tolist() == np.argsort(keys, kind="stable").tolist()
    assert radix_argsort(np.zeros(0, dtype=np.int64)).tolist() == []


def test_hashed_grouping_falls_back_when_two_keys_share_a_hash() -> None:
    colliding = [844708500892725649, 964950200768922768]  # same 32-bit hash
    keys = np.array([colliding[0], 7 << 40, colliding[1], colliding[0], colliding[1]])
    order = _token_groups(keys)
    grouped = keys[order].tolist()
    assert sorted(grouped) == sorted(keys.tolist())
    runs = [k for i, k in enumerate(grouped) if i == 0 or grouped[i - 1] != k]
    assert len(runs) == len(set(runs))  # every key in one contiguous run
    for key in set(keys.tolist()):  # positions increase inside a run
        at = [int(p) for p in order if keys[p] == key]
        assert at == sorted(at)


def test_ngram_orders_group_each_ngram_in_position_order() -> None:
    rng = random.Random(2)
    sentences = [
        " ".join(rng.choice("abcd") for _ in range(rng.randint(0, 12))) for _ in range(200)
    ]
    corpus = token_corpus(sentences)
    words = [w for s in sentences for w in s.split()]
    starts = corpus.starts.tolist()
    for n, order in enumerate(ngram_orders(corpus, 4), start=1):
        expected: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for start, sentence in zip(starts, sentences, strict=True):
            tokens = sentence.split()
            for i in range(len(tokens) - n + 1):
                expected[tuple(tokens[i : i + n])].append(start + i)
        groups: dict[int, list[int]] = defaultdict(list)
        for position, ngram in zip(order.positions.tolist(), order.ngram.tolist(), strict=True):
            groups[ngram].append(position)
        got = {tuple(words[p[0] : p[0] + n]): p for p in groups.values()}
        assert got == expected  # same groups, positions increasing inside each
        assert order.n_ngrams == len(expected)
        assert np.all(np.diff(order.ngram) >= 0)
        assert order.first.tolist() == [True, *(np.diff(order.ngram) > 0).tolist()]
