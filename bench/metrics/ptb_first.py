"""The set of characters a regular expression can start with, as a one-character regex.

The lexer uses it to try, at each position, only the rules that can start with the
character found there. The set is computed from Python's own parse of the expression and
may over-approximate (look-arounds and back-references are treated as "anything"), which
only costs time, never correctness.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

_c: Any
_p: Any
try:  # Python >= 3.11
    _c = importlib.import_module("re._constants")
    _p = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - Python 3.10
    _c = importlib.import_module("sre_constants")
    _p = importlib.import_module("sre_parse")

_CATEGORIES = {
    _c.CATEGORY_DIGIT: r"\d",
    _c.CATEGORY_NOT_DIGIT: r"\D",
    _c.CATEGORY_SPACE: r"\s",
    _c.CATEGORY_NOT_SPACE: r"\S",
    _c.CATEGORY_WORD: r"\w",
    _c.CATEGORY_NOT_WORD: r"\W",
}
_ANYTHING = r"[\s\S]"


def _char(cp: int) -> str:
    return f"\\U{cp:08x}"


def _class(items: list[tuple[Any, Any]]) -> str:
    negate = False
    parts: list[str] = []
    for op, av in items:
        if op is _c.NEGATE:
            negate = True
        elif op is _c.LITERAL:
            parts.append(_char(av))
        elif op is _c.RANGE:
            parts.append(f"{_char(av[0])}-{_char(av[1])}")
        elif op is _c.CATEGORY:
            parts.append(_CATEGORIES[av])
        else:  # pragma: no cover - other set items do not occur in the rules
            return _ANYTHING
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def _first(seq: Any, ignorecase: bool) -> tuple[list[str], bool]:
    """(alternatives for the first character, whether ``seq`` can match empty)."""
    out: list[str] = []
    for op, av in seq:
        atoms, nullable = _first_item(op, av, ignorecase)
        out.extend(atoms)
        if not nullable:
            return out, False
    return out, True


def _first_item(op: Any, av: Any, ignorecase: bool) -> tuple[list[str], bool]:
    flag = "(?i:{})" if ignorecase else "{}"
    if op is _c.LITERAL:
        return [flag.format(_char(av))], False
    if op is _c.NOT_LITERAL:
        return [flag.format(f"[^{_char(av)}]")], False
    if op is _c.IN:
        return [flag.format(_class(av))], False
    if op is _c.ANY:
        return [_ANYTHING], False
    if op is _c.BRANCH:
        atoms: list[str] = []
        nullable = False
        for branch in av[1]:
            branch_atoms, branch_nullable = _first(branch, ignorecase)
            atoms.extend(branch_atoms)
            nullable = nullable or branch_nullable
        return atoms, nullable
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        case = (ignorecase or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
        return _first(sub, case)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, _high, sub = av
        atoms, nullable = _first(sub, ignorecase)
        return atoms, nullable or low == 0
    if op in (_c.AT, _c.ASSERT_NOT):
        return [], True
    return [_ANYTHING], True  # ASSERT, GROUPREF...: assume anything


def first_char_pattern(source: str) -> re.Pattern[str]:
    """A compiled pattern matching (at least) every character ``source`` can start with."""
    atoms, nullable = _first(_p.parse(source), False)
    if nullable or not atoms:
        return re.compile(_ANYTHING)
    return re.compile("|".join(dict.fromkeys(atoms)))
