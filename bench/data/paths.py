"""Resolving dataset-relative paths without ever leaving ``--data-dir``.

Card fields and annotation files name files relative to the dataset root. A path that is
absolute, climbs out with ``..``, or reaches outside through a symlink is refused: a
downloaded annotation file must not make modalbench read (or hash) arbitrary files.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath


class PathEscapeError(ValueError):
    """A dataset-relative path that would resolve outside its root."""

    def __init__(self, relative: str, reason: str) -> None:
        super().__init__(f"path {relative!r} {reason}")
        self.relative = relative
        self.reason = reason


def _is_absolute(relative: str) -> bool:
    return (
        PurePosixPath(relative).is_absolute()
        or PureWindowsPath(relative).is_absolute()
        or bool(PureWindowsPath(relative).drive)
        or relative.startswith("~")
    )


def safe_join(root: Path, relative: str) -> Path:
    """``root / relative``, resolved, guaranteed to stay inside ``root``.

    Symlinks inside ``root`` that point elsewhere inside ``root`` are fine; the result
    need not exist (a missing file is reported by whoever opens it).

    Raises:
        PathEscapeError: ``relative`` is empty, absolute, contains a NUL byte, or
            resolves (``..`` or a symlink) to a location outside ``root``.
    """
    if not relative or not relative.strip():
        raise PathEscapeError(relative, "is empty")
    if "\x00" in relative:
        raise PathEscapeError(relative, "contains a NUL byte")
    if _is_absolute(relative):
        raise PathEscapeError(relative, "is absolute; dataset paths must be relative")
    base = root.resolve()
    # Backslashes are separators in Windows-made annotation files; never literal here.
    parts = relative.replace("\\", "/").split("/")
    if ".." in parts:
        raise PathEscapeError(relative, "climbs out of the dataset folder with '..'")
    target = Path(os.path.realpath(base.joinpath(*[p for p in parts if p not in ("", ".")])))
    if target != base and base not in target.parents:
        raise PathEscapeError(relative, "resolves (through a symlink) outside the dataset folder")
    return target
