"""Prompt wrapping, answer clean-up and length grouping shared by the generating adapters."""

from __future__ import annotations

from collections.abc import Sequence

#: Trailing characters dropped from short answers (``"Blue."`` -> ``"Blue"``).
TRAILING_PUNCTUATION = ".,;:!?\"'`)]}"
#: Leading quotes and brackets dropped from short answers.
LEADING_PUNCTUATION = "\"'`([{"


def apply_template(template: str, prompt: str) -> str:
    """Put ``prompt`` where ``{prompt}`` is (plain replacement: other braces stay as typed)."""
    return template.replace("{prompt}", prompt)


def short_answer(text: str) -> str:
    """A short answer: the first non-empty line, without surrounding quotes, trailing
    punctuation or spaces.

    Chat models often add a full stop or a second line of explanation to a one-word
    answer; VQA accuracy and label parsing expect the answer alone.
    """
    for line in text.strip().splitlines():
        line = line.strip()
        if line:
            return line.rstrip(TRAILING_PUNCTUATION).lstrip(LEADING_PUNCTUATION).strip()
    return ""


def clean_caption(text: str) -> str:
    """A caption with surrounding whitespace removed and inner runs of spaces collapsed."""
    return " ".join(text.split())


def group_by_length(lengths: Sequence[int]) -> list[list[int]]:
    """Indices grouped by equal length, groups in order of first appearance.

    Generating each group without padding makes batched predictions identical to one-by-one
    predictions for models whose padding leaks into attention or positions.
    """
    groups: dict[int, list[int]] = {}
    for index, length in enumerate(lengths):
        groups.setdefault(length, []).append(index)
    return list(groups.values())
