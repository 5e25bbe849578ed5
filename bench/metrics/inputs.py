"""Readers for the scoring input formats of DESIGN.md, with errors that point at the data.

Every problem raises :class:`bench.errors.UsageError` naming the file and the JSON path of
the first offending item, e.g. ``preds.json: [3].caption: expected a string, got int``.
Inputs may be paths or already-loaded Python objects (then the "file" is ``<predictions>``
or ``<references>``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.errors import UsageError

Source = str | Path | Any


@dataclass(frozen=True)
class Loaded:
    """A parsed input and the name used in error messages."""

    name: str
    data: Any


def load_json(source: Source, default_name: str) -> Loaded:
    """Read JSON from a path (or take an object as is)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise UsageError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
        try:
            return Loaded(str(path), json.loads(text))
        except json.JSONDecodeError as exc:
            raise UsageError(
                f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
            ) from exc
        except RecursionError as exc:
            raise UsageError(f"{path}: invalid JSON: nested too deeply") from exc
    return Loaded(default_name, source)


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


@dataclass
class Checker:
    """Type checks that report ``file: path: problem``."""

    name: str
    seen: dict[str, str] = field(default_factory=dict)

    def fail(self, path: str, problem: str) -> UsageError:
        """The error for ``path`` (an empty path means the top level)."""
        return UsageError(f"{self.name}: {path or '(top level)'}: {problem}")

    def list_of(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, f"expected a list, got {_kind(value)}")
        return value

    def record(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, got {_kind(value)}")
        return value

    def field(self, record: Mapping[str, Any], key: str, path: str) -> Any:
        if key not in record:
            raise self.fail(path, f"missing field {key!r}")
        return record[key]

    def text(self, value: Any, path: str, *, allow_empty: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(path, f"expected a string, got {_kind(value)}")
        if not allow_empty and not value.strip():
            raise self.fail(path, "empty string")
        return value

    def ident(self, value: Any, path: str) -> str:
        """An id: a non-empty string or an integer (kept as its decimal string)."""
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.fail(path, f"expected a string or integer id, got {_kind(value)}")
        if isinstance(value, str) and not value.strip():
            raise self.fail(path, "empty id")
        return str(value)

    def number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(path, f"expected a number, got {_kind(value)}")
        if not math.isfinite(float(value)):
            raise self.fail(path, f"expected a finite number, got {value}")
        return float(value)

    def unique(self, key: str, path: str) -> None:
        """Reject a second record for the same id."""
        if key in self.seen:
            raise self.fail(path, f"duplicate id {key!r} (first at {self.seen[key]})")
        self.seen[key] = path


def check_known(
    checker: Checker, pred_paths: Mapping[str, str], known: Mapping[str, Any], ref_name: str
) -> None:
    """Every predicted id must exist in the references."""
    for key, path in pred_paths.items():
        if key not in known:
            raise checker.fail(path, f"id {key!r} is not in {ref_name}")


def load_score_matrix(source: Source) -> tuple[str, npt.NDArray[np.float64]]:
    """A ``[n_texts, n_images]`` matrix from ``.npy`` (no pickles) or an array-like."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            loaded = np.load(path, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise UsageError(f"{path}: not a readable .npy array ({exc})") from exc
        if not isinstance(loaded, np.ndarray):  # an .npz archive
            loaded.close()
            raise UsageError(f"{path}: expected a single .npy array, got an .npz archive")
        matrix = loaded
        name = str(path)
    else:
        name, matrix = "<predictions>", np.asarray(source)
    if matrix.ndim != 2:
        raise UsageError(f"{name}: expected a 2-D [n_texts, n_images] array, got {matrix.ndim}-D")
    if not np.issubdtype(matrix.dtype, np.number) or np.issubdtype(
        matrix.dtype, np.complexfloating
    ):
        raise UsageError(f"{name}: expected real numbers, got dtype {matrix.dtype}")
    return name, matrix
