"""pycocoevalcap's caption tokenization in pure Python: PTB tokens, lower-cased, punctuation
dropped, joined by single spaces.

pycocoevalcap writes all captions to one file (one caption a line, inner ``\\n`` replaced by
spaces), runs the Java PTBTokenizer over it with ``-preserveLines -lowerCase`` and drops the
tokens listed in :data:`PUNCTUATION_TOKENS`. Its list is upper-case for the bracket tokens,
so after ``-lowerCase`` the tokens ``-lrb-``, ``-rrb-``, ``-lsb-``... are *kept*; so are
multi-character runs such as ``?!`` or ``-----``. This module reproduces all of that.

Speed: a line is the concatenation of its space-separated chunks' tokens whenever no token
or trailing context can reach across the blanks (:mod:`bench.metrics.ptb_chunks` says when,
and memoises each distinct chunk's tokens, so a corpus costs about one dictionary look-up
per chunk). Every other line, and the last one (it sees the end of input), goes through the
full rule set of :mod:`bench.metrics.ptb_lexer` with the text that follows it, so that
trailing contexts see the next line exactly as the jar does.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections.abc import Sequence

from bench.metrics.ptb_chunks import SPACED_DOTS, tokenize_by_chunks
from bench.metrics.ptb_lexer import PUNCTUATION_TOKENS, lex_line, to_utf16_units

__all__ = ["PUNCTUATION_TOKENS", "ptb_tokenize", "ptb_tokenize_slow"]

#: Characters the jar's lexer treats as line ends; pycocoevalcap only replaces ``\\n`` and
#: so misaligns every later caption when one contains another of these. We replace them all.
_LINE_BREAKS = re.compile("[\r\n\u2028\u2029\u000b\u000c]")
_OTHER_BREAKS = "\r\u2028\u2029\u000b\u000c"
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _corpus_lines(captions: Sequence[str]) -> tuple[str, list[int]]:
    """The jar's input (captions joined by newlines) and the offset of each line."""
    text = "\n".join(captions)
    if text.count("\n") != len(captions) - 1 or any(c in text for c in _OTHER_BREAKS):
        text = "\n".join(_LINE_BREAKS.sub(" ", c) for c in captions)
    # astral characters take two UTF-16 units: the jar reads them as surrogate pairs
    if len(text.encode("utf-16-le", "surrogatepass")) > 2 * len(text):
        pieces, last = [], 0
        for match in _ASTRAL.finditer(text):
            pieces += [text[last : match.start()], to_utf16_units(match.group())]
            last = match.end()
        text = "".join([*pieces, text[last:]])
    ends = itertools.accumulate(map(len, text.split("\n")))  # line ends, newlines excluded
    return text, [0, *map(operator.add, ends, itertools.count(1))][:-1]


def ptb_tokenize(captions: Sequence[str]) -> list[str]:
    """Tokenize captions exactly as pycocoevalcap's PTBTokenizer does (see module doc).

    Returns one string per caption: lower-cased tokens joined by single spaces. Tokens can
    contain a no-break space (phone numbers, fractions such as ``5 7/8``), as the jar's do.
    """
    if not captions:
        return []
    text, starts = _corpus_lines(captions)
    results, todo = tokenize_by_chunks(text)
    todo.add(len(starts) - 1)
    todo.update(bisect.bisect_right(starts, m.start()) - 1 for m in SPACED_DOTS.finditer(text))
    for i in todo:
        results[i] = " ".join(lex_line(text, starts[i])[0])
    return results


def ptb_tokenize_slow(captions: Sequence[str]) -> list[str]:
    """The same through the full rules at every position (no shortcut); for tests."""
    if not captions:
        return []
    text, starts = _corpus_lines(captions)
    return [" ".join(lex_line(text, start, shortcuts=False)[0]) for start in starts]
