"""Answer vocabularies of classification heads (ViLT, LXMERT)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.errors import UsageError

_GENERIC = re.compile(r"^LABEL_\d+$")


def config_labels(id2label: Mapping[Any, Any] | None, n_labels: int) -> list[str] | None:
    """The head's labels from ``config.id2label`` in index order; None when they are only
    the generic ``LABEL_<i>`` placeholders transformers writes for unnamed heads."""
    if not id2label:
        return None
    labels = {int(k): str(v) for k, v in id2label.items()}
    if sorted(labels) != list(range(n_labels)):
        return None
    ordered = [labels[i] for i in range(n_labels)]
    if all(_GENERIC.match(label) for label in ordered):
        return None
    return ordered


def read_answers(path: Path, n_labels: int) -> list[str]:
    """An answer vocabulary file: a JSON list (index order) or an ``{answer: index}`` object.

    Raises:
        UsageError: unreadable file, wrong shape, or a size other than ``n_labels``.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--model-arg answers={path}: cannot read it ({exc})") from exc
    if isinstance(data, list) and all(isinstance(x, str) for x in data):
        answers = list(data)
    elif isinstance(data, dict) and all(isinstance(v, int) for v in data.values()):
        by_index = {int(v): str(k) for k, v in data.items()}
        if sorted(by_index) != list(range(len(by_index))):
            raise UsageError(f"--model-arg answers={path}: indices are not 0..{len(data) - 1}")
        answers = [by_index[i] for i in range(len(by_index))]
    else:
        raise UsageError(
            f"--model-arg answers={path}: expected a JSON list of answers or an "
            "{answer: index} object"
        )
    if len(answers) != n_labels:
        raise UsageError(
            f"--model-arg answers={path}: {len(answers)} answers, but the head has {n_labels}"
        )
    return answers
