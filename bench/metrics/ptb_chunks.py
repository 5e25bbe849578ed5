"""Tokenizing a caption chunk by chunk, with a memo of each chunk's tokens.

A *chunk* is a run of characters between spaces or tabs. The lexer of
:mod:`bench.metrics.ptb_lexer` (the jar's rules) reads a chunk the same way wherever it
stands, provided three things hold; then a line's tokens are the concatenation of its
chunks' tokens, each looked up in :data:`CHUNK_TOKENS` (computed once per distinct chunk):

1. **No token spans the blanks between two chunks.** The only rules whose text can hold a
   space or a tab are SGML tags (they start with ``<``), phone numbers and fractions (a
   digit or ``)``, blanks, a digit: ``555 1234``, ``(555) 123-4567``, ``5 7/8``), spaced
   ellipses (``. . .``) and the blank rule itself. Chunks holding ``<`` or any other blank
   or line-end character of the jar or of ``str.split`` (no-break spaces, zero-width
   characters...) are unsafe (below). A chunk that ends in a digit or ``)`` and one that
   starts with a digit carry markers in the memo, so that a digit pair across blanks is
   found in the joined result; :data:`SPACED_DOTS` finds ``. .`` in the text (a chunk
   that ends with a period then one that starts with one).
2. **Nothing past the blank matters, except after a final period.** Trailing contexts are
   one character long except those of acronyms before a capitalised word (``U.S. The``),
   of the ABBREV1 / ABBREV3 lists (``etc.`` before a capital, ``No. 5``) and of single
   letters (``A.``), whose text ends with a period. Such a rule, when it applies, beats every
   other (its match is longer), and whether it applies depends only on the class of what
   follows: a lower-case word, a digit, a capital or a second blank, a word of the acronym
   rule's list. A chunk that ends with a period is lexed before one follower of each class
   and is unsafe when the results differ (``U.S.``, ``A.``, ``No.``, ``li'lNo.``; not
   ``etc.``, whose extra period token is dropped anyway).
3. **The blank itself does not matter.** One trailing context (a title such as ``Mr``
   before a space) accepts a space but not a line end; other chunks are lexed before a
   space and before a line end, and are unsafe when the results differ.

Lines holding an unsafe chunk or a flagged pair, and the last line of a corpus (it sees the
end of input instead of a newline), are lexed in full by the caller.
"""

from __future__ import annotations

import re

from bench.metrics.ptb_lexer import lex_line
from bench.metrics.ptb_rules import ANY_ABBREVIATION
from bench.metrics.ptb_unicode import non_ascii_digits

#: Marks a chunk that must be lexed in its line (it never occurs in tokens: the lexer
#: deletes NUL).
UNSAFE = "\x00"


#: Characters that may not occur in a line tokenized by chunks: controls and every blank
#: other than space and tab (Python's ``str.split`` separators and the jar's blanks and
#: line ends), zero-width characters, surrogates (astral characters), ``<`` (SGML) and
#: non-ASCII digits (so that the digit markers of rule 1 need only ASCII digits).
BANNED_CHARACTERS = (
    "\\x00-\\x08\\x0b-\\x1f\\x7f-\\xa0<\\u1680\\u2000-\\u200f\\u2028-\\u202f\\u205f\\u3000\\ufeff"
    "\\ud800-\\udfff" + non_ascii_digits()
)

#: Spaced periods, which the ellipsis rule may read across blanks (rule 1).
SPACED_DOTS = re.compile(r"\.[ \t]+\.")
_BANNED = re.compile(f"[{BANNED_CHARACTERS}]")
# A word of ASCII letters the rules keep as it is (not split like cannot, gonna...), maybe
# followed by punctuation that is dropped (a period only when the word cannot keep it: not a
# single letter nor an abbreviation) or kept as one token (``!!``, ``?!``...).
_PLAIN_WORD = re.compile(
    r"(?!(?i:cannot|gonna|gotta|lemme|gimme|wanna)(?![A-Za-z]))"
    rf"(?!(?:[A-Za-z]|(?i:{ANY_ABBREVIATION}))\.)"
    r"([A-Za-z]+)(?:[.,;:!?]|\.\.\.|([?!]{2,}))?"
)
# What may follow a chunk, as (text, its own token): a blank, then (rule 2) a lower-case
# word, a digit, a capital, a word of the acronym rule's list; or (rule 3) a line end.
_Followers = tuple[tuple[str, str], ...]
_AFTER_PERIOD: _Followers = ((" x\n", "x"), (" 5\n", "5"), (" X\n", "x"), (" The\n", "the"))
_AFTER_OTHER: _Followers = ((" \n", ""), ("\n ", ""))
# Markers around the tokens of chunks that end in a digit or ")" / start with a digit
# (banned characters, so never part of a safe chunk's tokens).
_DIGIT_END = "\x02"
_DIGIT_START = "\x03"
_DIGIT_PAIR = _DIGIT_END + " " + _DIGIT_START  # after the space that ends a chunk's tokens
_DIGITS = frozenset("0123456789")
_DIGITS_AND_PAREN = frozenset("0123456789)")
#: Memo entries kept before the memo is emptied (bounds memory on endless streams).
MAX_ENTRIES = 500_000


def _lexed(chunk: str, follower: str, last: str) -> list[str] | None:
    """The chunk's tokens when ``follower`` comes next (whose own token ``last`` is removed;
    None if it is not there)."""
    tokens = lex_line(chunk + follower, 0)[0]
    if not last:
        return tokens
    if not tokens or tokens[-1] != last:
        return None
    return tokens[:-1]


def chunk_tokens(chunk: str) -> str:
    """The tokens of one chunk (lower-cased, pycocoevalcap's punctuation dropped), each
    followed by a space, with the digit markers of rule 1; :data:`UNSAFE` + `` `` when they
    may depend on what surrounds the chunk."""
    unsafe = UNSAFE + " "
    plain = _PLAIN_WORD.fullmatch(chunk)
    if plain is not None:
        return " ".join(filter(None, plain.groups())).lower() + " "
    if _BANNED.search(chunk):
        return unsafe
    # the context rules of rules 2 and 3 all need an ASCII letter there
    if chunk[-2:-1].isascii() and chunk[-2:-1].isalpha() and chunk[-1] == ".":
        followers = _AFTER_PERIOD
    elif chunk[-1:].isascii() and chunk[-1:].isalpha():
        followers = _AFTER_OTHER
    else:
        followers = _AFTER_OTHER[:1]
    tokens = _lexed(chunk, *followers[0])
    if tokens is None or any(_lexed(chunk, *f) != tokens for f in followers[1:]):
        return unsafe
    start = _DIGIT_START if chunk[:1] in _DIGITS else ""
    end = _DIGIT_END if chunk[-1:] in _DIGITS_AND_PAREN else ""
    if not tokens:
        return unsafe if start or end else ""
    return start + " ".join(tokens) + end + " "


class _ChunkMemo(dict[str, str]):
    """``chunk -> chunk_tokens(chunk)``, filled on first use; ``"\\n"`` stands for itself."""

    def __missing__(self, chunk: str) -> str:
        if len(self) >= MAX_ENTRIES:
            self.clear()
        value = self[chunk] = "\n" if chunk == "\n" else chunk_tokens(chunk)
        return value


#: The process-wide memo used by :func:`tokenize_by_chunks`.
CHUNK_TOKENS = _ChunkMemo()


def _flagged_lines(joined: str) -> set[int]:
    """Lines of ``joined`` (``\\n``-separated) holding an unsafe chunk or a digit pair
    across blanks (one sweep; these are rare)."""
    found: list[int] = []
    for marker in (UNSAFE, _DIGIT_PAIR):
        at = joined.find(marker)
        while at >= 0:
            found.append(at)
            at = joined.find(marker, at + 1)
    lines: set[int] = set()
    line, last = 0, 0
    for at in sorted(found):
        line += joined.count("\n", last, at)
        lines.add(line)
        last = at
    return lines


def tokenize_by_chunks(text: str) -> tuple[list[str], set[int]]:
    """Each line's tokens from its chunks, for a text of ``\\n``-separated lines, and the
    lines the caller must lex in full instead (unsafe chunks, digit pairs across blanks;
    not :data:`SPACED_DOTS` nor the last line)."""
    # Tabs separate chunks like spaces (rule 3); newlines become chunks of their own, so
    # that one split, one look-up pass and one join handle the whole corpus.
    pieces = text.replace("\t", " ").replace("\n", " \n ").split(" ")
    joined = "".join(map(CHUNK_TOKENS.__getitem__, pieces))
    todo = _flagged_lines(joined)
    joined = joined.replace(" \n", "\n")
    if _DIGIT_START in joined or _DIGIT_END in joined:
        joined = joined.replace(_DIGIT_END, "").replace(_DIGIT_START, "")
    lines = joined.split("\n")
    lines[-1] = lines[-1].removesuffix(" ")
    return lines, todo
