"""A longest-match lexer that runs :mod:`bench.metrics.ptb_rules` like JFlex runs PTBLexer.

At each position the rules that can start with the character there (found once per
character with :mod:`bench.metrics.ptb_first`) are tried one by one, each compiled on its
first use; the longest total match (token plus trailing context) wins and ties go to the
earlier rule, as in JFlex.
Common token shapes first try the shortcuts of :mod:`bench.metrics.ptb_fast`, which are
written so that they can only accept what the rules would produce.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from bench.metrics.ptb_fast import FAST
from bench.metrics.ptb_first import first_char_pattern
from bench.metrics.ptb_rules import RULE_TEMPLATES, macros

#: Tokens pycocoevalcap removes after tokenization (compared after lower-casing, so the
#: upper-case bracket entries never match and ``-lrb-`` etc. are kept).
PUNCTUATION_TOKENS = frozenset(
    [
        "''",
        "'",
        "``",
        "`",
        "-LRB-",
        "-RRB-",
        "-LCB-",
        "-RCB-",
        ".",
        "?",
        "!",
        ",",
        ":",
        "-",
        "--",
        "...",
        ";",
    ]
)
_DROPPED_TOKENS = PUNCTUATION_TOKENS
#: What :func:`next_token` returns for a line end.
NEWLINE = "\n"

_MACRO_REF = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")
_AMP = re.compile(r"(?i:&amp;)")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_FRACTIONS = {"\u00bc": "1/4", "\u00bd": "1/2", "\u00be": "3/4", "\u2153": "1/3", "\u2154": "2/3"}
_CURRENCY = {
    "\u00a2": "cents",
    "\u00a3": "#",
    "\u0080": "$",
    "\u00a4": "$",
    "\u20a0": "$",
    "\u20ac": "$",
}
_BRACKETS = {"(": "-LRB-", ")": "-RRB-", "[": "-LSB-", "]": "-RSB-", "{": "-LCB-", "}": "-RCB-"}


def latex_quotes(token: str, probably_left: bool) -> str:
    """PTBLexer's mapping of quote characters to PTB ``` `` ` ' '' ``` forms."""
    if probably_left:
        token = re.sub("&apos;|'", "`", token)
        token = re.sub('"|&quot;', "``", token)
    else:
        token = re.sub("&apos;|'", "'", token)
        token = re.sub('"|&quot;', "''", token)
    token = re.sub("[\u0091\u2018\u201b\u2039]", "`", token)
    token = re.sub("[\u0092\u2019\u203a]", "'", token)
    token = re.sub("[\u0093\u201c\u00ab]", "``", token)
    return re.sub("[\u0094\u201d\u00bb]", "''", token)


def _remove_soft_hyphens(token: str) -> str:
    out = token.replace("\u00ad", "")
    return out if out else "-"


#: action name -> (token text -> (emitted token or None, characters pushed back))
_Action = Callable[[str], tuple[str | None, int]]
_ACTIONS: dict[str, _Action] = {
    "plain": lambda t: (t, 0),
    "skip": lambda t: (None, 0),
    "word": lambda t: (_remove_soft_hyphens(t), 0),
    "soft_hyphen": lambda t: (_remove_soft_hyphens(t), 0),
    "nbsp": lambda t: (t.replace(" ", "\u00a0"), 0),
    "mdash": lambda t: ("--", 0),
    "amp": lambda t: (_AMP.sub("&", t), 0),
    "quote_left": lambda t: (latex_quotes(t, True), 0),
    "quote_right": lambda t: (latex_quotes(t, False), 0),
    "fraction": lambda t: ("".join(_FRACTIONS.get(c, c) for c in t), 0),
    "currency": lambda t: ("".join(_CURRENCY.get(c, c) for c in t), 0),
    "acronym": lambda t: (t[:1], 1) if len(t) == 2 else (t, 1),
    "repeat_period": lambda t: (t, 1),
    "phone": lambda t: (t.replace(" ", "\u00a0").replace("(", "-LRB-").replace(")", "-RRB-"), 0),
    "lt": lambda t: ("<", 0),
    "gt": lambda t: (">", 0),
    "parens": lambda t: (t.replace("(", "-LRB-").replace(")", "-RRB-"), 0),
    "bracket": lambda t: (_BRACKETS[t], 0),
    "hyphens": lambda t: ("--" if 3 <= len(t) <= 4 else t, 0),
    "ellipsis": lambda t: ("...", 0),
    "pushback3": lambda t: (t[:-3], 3),
    "pushback2": lambda t: (t[:-2], 2),
}


@dataclass(frozen=True)
class _Rule:
    name: str
    source: str  # ``(?P<m>main)(?P<c>context)`` for this rule alone
    first: re.Pattern[str]  # matches every character the rule can start with
    action: str


def _expand(template: str, table: dict[str, str]) -> str:
    return _MACRO_REF.sub(lambda m: "(?:" + table[m.group(1)] + ")", template)


@functools.cache
def _rules() -> tuple[_Rule, ...]:
    table = macros()
    rules: list[_Rule] = []
    for name, main, context, action in RULE_TEMPLATES:
        if action not in _ACTIONS and action != "newline":
            raise ValueError(f"rule {name}: unknown action {action}")
        main_src = _expand(main, table)
        source = f"(?P<m>{main_src})"
        if context is not None:
            source += f"(?P<c>{_expand(context, table)})"
        rules.append(_Rule(name, source, first_char_pattern(main_src), action))
    return tuple(rules)


# Each rule is compiled on its first use, once per process. (Compiling one alternation of
# every rule that can start with a character, once per distinct character, cost about 0.6 s
# of regex compilation per process; one rule at a time costs about 30 ms for all of them.)
@functools.cache
def _compiled(index: int) -> re.Pattern[str]:
    return re.compile(_rules()[index].source)


_BY_CHAR: dict[str, tuple[int, ...]] = {}


def _candidates(char: str) -> tuple[int, ...]:
    """The indices of the rules that can start with ``char``, in priority order."""
    found = _BY_CHAR.get(char)
    if found is None:
        found = _BY_CHAR[char] = tuple(
            i for i, rule in enumerate(_rules()) if rule.first.match(char)
        )
    return found


def next_token(text: str, pos: int) -> tuple[str | None, int]:
    """The jar's next token at ``pos`` (raw case) and the position after it.

    Returns ``(None, new_pos)`` for skipped input (spaces, untokenizable characters) and
    ``("\n", new_pos)`` for a line end.
    """
    best: re.Match[str] | None = None
    best_index, best_len = -1, 0
    for i in _candidates(text[pos]):
        found = _compiled(i).match(text, pos)
        # the longest token plus trailing context wins; ties go to the earlier rule
        if found is not None and found.end() - pos > best_len:
            best, best_index, best_len = found, i, found.end() - pos
    if best is None:
        return None, pos + 1  # untokenizable: deleted
    token = best.group("m")
    action = _rules()[best_index].action
    if action == "newline":
        return NEWLINE, pos + len(token)
    emitted, pushback = _ACTIONS[action](token)
    return emitted, pos + len(token) - pushback


def to_utf16_units(text: str) -> str:
    """Astral characters as surrogate pairs: the Java lexer sees UTF-16 code units."""
    if not _ASTRAL.search(text):
        return text

    def split(match: re.Match[str]) -> str:
        cp = ord(match.group(0)) - 0x10000
        return chr(0xD800 + (cp >> 10)) + chr(0xDC00 + (cp & 0x3FF))

    return _ASTRAL.sub(split, text)


def _from_utf16_units(token: str) -> str:
    if not _SURROGATES.search(token):
        return token
    return token.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _strip_last(tokens: list[str], last_kept: bool) -> list[str]:
    """pycocoevalcap strips trailing whitespace off the jar's output line (``rstrip``): a
    line's last token loses trailing Unicode blanks (a URL may end in a no-break space)."""
    if last_kept and tokens and tokens[-1][-1:].isspace():
        stripped = tokens[-1].rstrip()
        if stripped:
            tokens[-1] = stripped
        else:  # pragma: no cover - the lexer emits no blank-only token
            tokens.pop()
    return tokens


def lex_line(text: str, pos: int, *, shortcuts: bool = True) -> tuple[list[str], int]:
    """pycocoevalcap's tokens of the line starting at ``pos`` and the next line's start.

    ``text`` is the whole corpus (captions joined by ``\n``, astral characters as
    surrogate pairs, see :func:`to_utf16_units`) so trailing contexts see the next line.
    Tokens are lower-cased and pycocoevalcap's punctuation is dropped. ``shortcuts=False``
    evaluates every rule at every position (used by tests to check the shortcuts).
    """
    tokens: list[str] = []
    last_kept = False  # whether the last token read (kept or dropped) was kept
    end = len(text)
    fast = FAST.match
    while pos < end:
        if shortcuts:
            m = fast(text, pos)
            if m is not None and m.lastgroup != "other":
                group = m.lastgroup
                if group == "newline":
                    return _strip_last(tokens, last_kept), m.end()
                if group == "token":
                    tokens.extend(m.group("token").lower().split(" "))
                    last_kept = True
                elif group == "bracket":
                    tokens.append("-lrb-" if m.group("bracket") == "(" else "-rrb-")
                    last_kept = True
                elif m.end() > pos and text[m.end() - 1] not in " \t":
                    last_kept = False  # a dropped token
                pos = m.end()
                continue
        token, pos = next_token(text, pos)
        if token is None:
            continue
        if token == NEWLINE:
            return _strip_last(tokens, last_kept), pos
        token = _from_utf16_units(token).lower()
        last_kept = token not in _DROPPED_TOKENS
        if last_kept:
            tokens.append(token)
    return _strip_last(tokens, last_kept), pos
