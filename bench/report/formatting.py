"""Number and text formatting shared by tables, comparisons and leaderboards.

Model names and task names come from users and plugins, so every text output escapes them
for its format: Markdown renders raw HTML (GitHub included), so ``<`` and ``>`` are written
as entities and ``|`` is escaped; CSV cells that a spreadsheet would run as a formula get a
leading apostrophe.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

MISSING = "-"
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def number(value: float | None, digits: int = 3, scale: float = 1.0) -> str:
    """``value * scale`` with ``digits`` decimals; ``-`` for a missing or non-finite value."""
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{value * scale:.{digits}f}"


def signed(value: float | None, digits: int = 3, scale: float = 1.0) -> str:
    """Like :func:`number` with an explicit sign (``+0.012``, ``-0.400``)."""
    if value is None or not math.isfinite(value):
        return MISSING
    return f"{value * scale:+.{digits}f}"


def with_ci(
    value: float | None,
    low: float | None,
    high: float | None,
    digits: int = 3,
    scale: float = 1.0,
) -> str:
    """``0.523 [0.490, 0.556]``, or the value alone when the CI is unknown."""
    text = number(value, digits, scale)
    if text != MISSING and low is not None and high is not None:
        text += f" [{number(low, digits, scale)}, {number(high, digits, scale)}]"
    return text


def markdown_text(text: str) -> str:
    """Text safe inside a Markdown table cell (no raw HTML, no column breaks)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table; every cell is escaped."""
    lines = [
        "| " + " | ".join(markdown_text(h) for h in header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(markdown_text(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def csv_safe(text: str) -> str:
    """Prefix a cell that a spreadsheet would evaluate as a formula with an apostrophe."""
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


_LATEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_text(text: str) -> str:
    """Text safe in LaTeX running text (special characters escaped, line breaks as spaces)."""
    escaped = "".join(_LATEX.get(char, char) for char in text)
    return escaped.replace("\r", " ").replace("\n", " ")
