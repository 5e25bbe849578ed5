"""pycocoevalcap's caption tokenization in pure Python: PTB tokens, lower-cased, punctuation
dropped, joined by single spaces.

pycocoevalcap writes all captions to one file (one caption a line, inner ``\\n`` replaced by
spaces), runs the Java PTBTokenizer over it with ``-preserveLines -lowerCase`` and drops the
tokens listed in :data:`PUNCTUATION_TOKENS`. Its list is upper-case for the bracket tokens,
so after ``-lowerCase`` the tokens ``-lrb-``, ``-rrb-``, ``-lsb-``... are *kept*; so are
multi-character runs such as ``?!`` or ``-----``. This module reproduces all of that.

Speed: lines made only of plain words, numbers, contractions and common punctuation are
tokenized by a single regular expression pass over the whole corpus (each of its branches
is a case where the longest-match lexer provably agrees); every other line goes through the
full rule set of :mod:`bench.metrics.ptb_lexer`, with the text that follows it so that
trailing contexts see the next line exactly as the jar does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bench.metrics.ptb_fast import FAST
from bench.metrics.ptb_lexer import PUNCTUATION_TOKENS, lex_line, to_utf16_units

__all__ = ["PUNCTUATION_TOKENS", "ptb_tokenize", "ptb_tokenize_slow"]

#: Characters the jar's lexer treats as line ends; pycocoevalcap only replaces ``\\n`` and
#: so misaligns every later caption when one contains another of these. We replace them all.
_LINE_BREAKS = re.compile("[\r\n\u2028\u2029\u000b\u000c]")


def _corpus_text(captions: Sequence[str]) -> tuple[str, list[int]]:
    """The jar's input (captions joined by newlines) and the start offset of each line."""
    lines = [_LINE_BREAKS.sub(" ", c) for c in captions]
    text = to_utf16_units("\n".join(lines))
    starts, pos = [], 0
    for line in text.split("\n"):
        starts.append(pos)
        pos += len(line) + 1
    return text, starts


def ptb_tokenize(captions: Sequence[str]) -> list[str]:
    """Tokenize captions exactly as pycocoevalcap's PTBTokenizer does (see module doc).

    Returns one string per caption: lower-cased tokens joined by single spaces. Tokens can
    contain a no-break space (phone numbers, fractions such as ``5 7/8``), as the jar's do.
    """
    if not captions:
        return []
    text, starts = _corpus_text(captions)
    results: list[str | None] = [None] * len(starts)
    current: list[str] = []
    bad = False
    index = 0
    for newline, token, bracket, other in FAST.findall(text):
        if token:
            current.append(token)
        elif bracket:
            current.append("-lrb-" if bracket == "(" else "-rrb-")
        elif newline:
            results[index] = None if bad else " ".join(current).lower()
            index, current, bad = index + 1, [], False
        elif other:
            bad = True
    results[index] = None if bad else " ".join(current).lower()
    for i, result in enumerate(results):
        if result is None:
            results[i] = " ".join(lex_line(text, starts[i])[0])
    return [r if r is not None else "" for r in results]


def ptb_tokenize_slow(captions: Sequence[str]) -> list[str]:
    """The same through the full rules at every position (no shortcut); for tests."""
    if not captions:
        return []
    text, starts = _corpus_text(captions)
    return [" ".join(lex_line(text, start, shortcuts=False)[0]) for start in starts]
