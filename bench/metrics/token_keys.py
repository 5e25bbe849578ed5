"""Exact integer keys of whitespace-separated tokens, computed on the UTF-8 bytes with numpy.

Splitting hundreds of thousands of tokens into Python strings and numbering them through a
dictionary costs about a hundred nanoseconds per token; this module does the same on the
bytes of the whole corpus at once. Two tokens get the same key exactly when they are the
same string:

* a token of at most 7 bytes is its bytes read as a little-endian integer, plus its length
  times 2^56 (so trailing NUL bytes are not confused with shorter tokens);
* a token of 8 to 15 bytes is numbered among such tokens by sorting the pairs (its first 8
  bytes, its other bytes plus its length times 2^56) (key 2^60 + number);
* a longer token is numbered through a dictionary of byte strings (key 2^61 + number).

:func:`token_keys` returns ``None`` when the shortcut does not apply (a separator other than
``None`` or ``" "``, a newline inside a sentence, or a Unicode blank other than the no-break
space under ``str.split()``); callers then split in Python.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]

#: Bytes that ``str.split()`` treats as blanks (ASCII); the no-break space is handled apart.
_ASCII_BLANKS = [9, 10, 11, 12, 13, 28, 29, 30, 31, 32]
_IS_WORD = np.ones(256, dtype=bool)
_IS_WORD[_ASCII_BLANKS] = False
#: The Unicode blanks of ``str.split()`` beyond ASCII other than the no-break space, as
#: the integers of their UTF-8 bytes (U+0085, U+1680, U+2000-U+200A, U+2028, U+2029,
#: U+202F, U+205F, U+3000).
_OTHER_BLANKS = np.array(
    [
        int.from_bytes(chr(cp).encode(), "big")
        for cp in [0x85, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
    ],
    dtype=np.int64,
)
_NBSP = 0xC2A0
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(8)], dtype=np.uint64)
_LENGTH_SHIFT = np.uint64(56)
_MEDIUM = 1 << 60
_LONG = 1 << 61


def _multibyte_blanks(data: npt.NDArray[np.uint8]) -> tuple[IntArray, bool]:
    """Positions of the no-break spaces' first bytes, and whether another Unicode blank
    occurs (then the shortcut does not apply). ``data`` is padded by 2 bytes."""
    lead = np.flatnonzero(data[:-2] >= 0xC2)  # lead bytes of 2- to 4-byte characters
    if lead.size == 0:
        return lead, False
    pair = data[lead].astype(np.int64) << 8 | data[lead + 1]
    triple = pair << 8 | data[lead + 2]
    other = np.isin(pair, _OTHER_BLANKS[_OTHER_BLANKS < 0x10000]).any()
    other = other or np.isin(triple, _OTHER_BLANKS[_OTHER_BLANKS >= 0x10000]).any()
    return lead[pair == _NBSP], bool(other)


def _bounds_any_blank(data: npt.NDArray[np.uint8], nbsp: IntArray) -> tuple[IntArray, IntArray]:
    """Start and end byte offsets of the ``str.split()`` tokens."""
    word = data > 32
    controls = np.flatnonzero(data < 32)  # mostly newlines; a few are not blanks
    word[controls] = _IS_WORD[data[controls]]
    word[nbsp] = False
    word[nbsp + 1] = False
    edges = np.diff(word.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _bounds_space(data: npt.NDArray[np.uint8]) -> tuple[IntArray, IntArray]:
    """Start and end byte offsets of the ``split(" ")`` tokens (lines split by newlines)."""
    cuts = np.flatnonzero((data == 32) | (data == 10))
    starts = np.concatenate([[0], cuts + 1])
    ends = np.concatenate([cuts, [data.size]])
    return starts.astype(np.int64), ends.astype(np.int64)


def _keys(raw: bytes, starts: IntArray, ends: IntArray) -> IntArray:
    """Exact keys of the byte ranges ``[starts, ends)`` of ``raw`` (padded by 16 bytes)."""
    words = np.ndarray((len(raw) - 8,), dtype="<u8", buffer=raw, strides=(1,))
    size = ends - starts
    head = words[starts]
    keys = (head & _LOW_BYTES[np.minimum(size, 7)]) | (size.astype(np.uint64) << _LENGTH_SHIFT)
    medium = np.flatnonzero((size >= 8) & (size <= 15))
    if medium.size:
        tail = (words[starts[medium] + 8] & _LOW_BYTES[size[medium] - 8]) | (
            size[medium].astype(np.uint64) << _LENGTH_SHIFT
        )
        pairs = np.stack([head[medium], tail], axis=1)
        order = np.lexsort((pairs[:, 1], pairs[:, 0]))
        new = np.ones(medium.size, dtype=bool)
        new[1:] = (pairs[order][1:] != pairs[order][:-1]).any(axis=1)
        number = np.empty(medium.size, dtype=np.uint64)
        number[order] = np.cumsum(new) - 1
        keys[medium] = np.uint64(_MEDIUM) + number
    long = np.flatnonzero(size > 15)
    if long.size:
        table: dict[bytes, int] = {}
        found = [
            table.setdefault(raw[a:b], len(table))
            for a, b in zip(starts[long].tolist(), ends[long].tolist(), strict=True)
        ]
        keys[long] = np.uint64(_LONG) + np.asarray(found, dtype=np.uint64)
    return np.asarray(keys, dtype=np.int64)


def token_keys(sentences: Sequence[str], separator: str | None) -> tuple[IntArray, IntArray] | None:
    """``(keys, lengths)``: a key per token (sentence after sentence) and each sentence's
    token count, or None when the byte shortcut does not apply (see module docstring)."""
    if separator not in (None, " "):
        return None
    text = "\n".join(sentences)
    if text.count("\n") != len(sentences) - 1:
        return None
    raw = text.encode("utf-8", "surrogatepass")
    data = np.frombuffer(raw, dtype=np.uint8)
    if separator is None:
        nbsp, other = _multibyte_blanks(np.frombuffer(raw + bytes(2), dtype=np.uint8))
        if other:
            return None
        starts, ends = _bounds_any_blank(data, nbsp)
        # tokens per line: token starts between consecutive line starts
        line_starts = np.concatenate([[0], np.flatnonzero(data == 10) + 1])
        is_start = np.zeros(data.size + 1, dtype=np.int64)
        is_start[starts] = 1
        lengths = np.add.reduceat(is_start, line_starts)
    else:
        starts, ends = _bounds_space(data)
        sentence = np.zeros(starts.size, dtype=np.int64)
        np.cumsum(data[starts[1:] - 1] == 10, out=sentence[1:])
        lengths = np.bincount(sentence, minlength=len(sentences)).astype(np.int64)
    return _keys(raw + bytes(16), starts, ends), lengths
