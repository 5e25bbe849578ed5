"""Shortcuts for the common shapes of caption tokens, each provably what the lexer yields.

:data:`FAST` is one alternation tried at a token boundary. Its groups are: ``token`` (a
kept token whose text is the token), ``bracket`` (``(`` or ``)``, kept as ``-lrb-`` /
``-rrb-``), ``newline``, ``other`` (no shortcut applies: the full rules must decide);
a match with none of these groups is a token pycocoevalcap drops (``.``, ``,``, quotes,
dashes...) or whitespace. Every branch carries look-aheads that exclude the contexts where
a longer rule of the jar (abbreviations, e-mail addresses, phone numbers, smileys,
trailing-context rules) would win.
"""

from __future__ import annotations

import re

from bench.metrics.ptb_rules import ANY_ABBREVIATION

_WS = r"(?:[ \t\n]|\Z)"
# After a contraction suffix; not the end of input, where the jar reads "'ve" as a quote.
_STOP = r"""[ \t\n,.;:!?)"]"""
# No e-mail address can start here: the jar's EMAIL rule runs from a letter or digit through
# anything but these breakers up to an "@".
_NO_EMAIL = r"(?=[^ \t\n\f\r\"<>|(){}\u00a0@]*(?:[ \t\n\f\r\"<>|(){}\u00a0]|\Z))"
_REDAUX = r"'(?:[sSmMdD]|(?i:re|ve|ll))"
_NT = r"(?i:n)'(?i:t)"
_AFTER_BANG = r"[!?](?=[ \t\n!?,.;:)\"]|\Z)"
_AFTER_WORD = (
    rf"(?={_WS}|[;)\"(]|,(?=[ \t\n\"()!?;:]|\Z)|:(?={_WS})|{_AFTER_BANG}"
    rf"|'(?=[ \t\n,.;:!?)\"]|\Z)|\.(?=[ \t\n.]|\Z))"
)
# a comma before a letter, digit, period or comma may be part of a hyphenated thing
# ("9,anti-war" is one token)
_AFTER_NUMBER = (
    rf"(?=[\t\n]|\Z| (?!\d)|[;)\"(]|,(?![A-Za-z0-9.,\u00ad])|:(?={_WS})|{_AFTER_BANG}"
    r"|\.(?=[ \t\n]|\Z))"
)
_AFTER_HYPHENATED = (
    rf"(?=[\t\n]|\Z| (?!\d)|[;)\"(]|{_AFTER_BANG}|,(?![A-Za-z0-9.,])|:(?={_WS})"
    r"|\.(?=[ \t\n]|\Z))"
)

_APOSTROPHE_WORDS = r"(?!(?i:ol|somethin|dunkin|[ldj])')"
_ASSIMILATIONS = (
    r"(?!(?:[cC][aA][nN][nN][oO][tT]|[gG](?:[oO](?:[nN][nN]|[tT][tT])[aA]|[iI][mM][mM][eE])"
    r"|[lL][eE][mM][mM][eE]|[wW][aA][nN][nN][aA])(?![A-Za-z0-9]))"
)
_ABBREVIATIONS = rf"(?!(?:[A-Za-z]|(?i:{ANY_ABBREVIATION}))\.)"
_WORD = r"[A-Za-z][A-Za-z0-9]*"
_TOKEN = "|".join(
    [
        # Everything that starts with a letter or digit, when no e-mail address can start here.
        # a run of plain words, each followed by one space and a letter (no rule that
        # starts with a letter crosses a space, so each is exactly one WORD token)
        rf"{_ASSIMILATIONS}{_WORD}(?: {_ASSIMILATIONS}{_WORD})*(?= [A-Za-z])",
        "(?=[A-Za-z0-9])"
        + _NO_EMAIL
        + "(?:"
        + "|".join(
            [
                # a plain word (not split by the lexer: cannot, gonna...)
                rf"{_ASSIMILATIONS}{_WORD}(?={_WS}|[;)\"(]|,(?=[ \t\n\"()!?;:]|\Z)"
                rf"|:(?={_WS})|{_AFTER_BANG})",
                # a word before a period, unless an abbreviation may keep the period
                rf"{_ASSIMILATIONS}{_ABBREVIATIONS}{_WORD}(?=\.(?=[ \t\n.]|\Z))",
                # a word before a closing quote, unless one of the jar's apostrophe words
                rf"{_ASSIMILATIONS}{_APOSTROPHE_WORDS}{_WORD}(?='(?=[ \t\n,.;:!?)\"]|\Z))",
                # a stem before 's 'm 'd 're 've 'll, or before n't
                rf"(?!(?i:cont'd\.)){_WORD}(?={_REDAUX}{_STOP})",
                rf"[A-Za-z]*[A-MO-Za-mo-z](?={_NT}{_STOP})",
                # hyphenated words and numbers
                rf"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+{_AFTER_HYPHENATED}",
                # plain numbers, then words that start with a digit (1st, 1990s, 3x4)
                rf"\d+(?:[.:,]\d+)*{_AFTER_NUMBER}",
                rf"\d[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*{_AFTER_NUMBER}",
            ]
        )
        + ")",
        rf"{_REDAUX}(?={_STOP})",
        rf"{_NO_EMAIL}{_NT}(?={_STOP})",  # "n't" starts with a letter: maybe an e-mail
        # punctuation runs pycocoevalcap keeps
        r"[?!]{2,}(?=[ \t\n,.;:)\"]|\Z)",
        rf"-{{5,}}(?={_WS})",
    ]
)
_DROPPED = (
    r"[?!](?=[ \t\n,.;:)\"]|\Z)|\.{3,5}(?!\.)|\.(?=[\t\n\"')]|\Z| (?!\.))|,(?!\d)"
    r"|[;:](?=[ \t\n]|\Z)|\"|''?(?=[ \t\n,.;:!?)\"]|\Z)|-{1,4}(?=[ \t\n]|\Z)"
)

#: The shortcut alternation (see the module docstring for its groups).
FAST = re.compile(
    rf"[ \t]*(?:(?P<newline>\n)|(?P<token>{_TOKEN})|{_DROPPED}"
    r"|(?P<bracket>\((?![-x'\d^=~<>])|\))|(?P<other>[\s\S])|\Z)"
)
