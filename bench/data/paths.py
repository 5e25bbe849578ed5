"""Resolving dataset-relative paths without ever leaving ``--data-dir``.

Card fields and annotation files name files relative to the dataset root. A path that is
absolute or climbs out with ``..`` is always refused. The files and folders a *card*
declares (:func:`declared_path`) follow symlinks the user made inside ``--data-dir``
(datasets on another disk are usually linked in); a path read from an *annotation file*
(:func:`safe_join`) must also stay inside its folder after symlinks are resolved: a
downloaded annotation file must not make modalbench read (or hash) arbitrary files.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath

#: Folders, besides the dataset folder itself, that links in it may resolve into while a
#: dataset is read: the ``blobs/`` store of a Hugging Face hub cache repository, whose
#: snapshot folders hold only links into it (see :func:`trusting`).
_TRUSTED: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar(
    "trusted_link_targets", default=()
)


@contextlib.contextmanager
def trusting(folder: Path) -> Iterator[None]:
    """Within the block, :func:`safe_join` also accepts links that resolve into ``folder``."""
    token = _TRUSTED.set((*_TRUSTED.get(), folder.resolve()))
    try:
        yield
    finally:
        _TRUSTED.reset(token)


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


def _parts(relative: str) -> list[str]:
    """The path's components, after the checks every dataset-relative path must pass."""
    if not relative or not relative.strip():
        raise PathEscapeError(relative, "is empty")
    if "\x00" in relative:
        raise PathEscapeError(relative, "contains a NUL byte")
    if _is_absolute(relative):
        raise PathEscapeError(relative, "is absolute; dataset paths must be relative")
    # Backslashes are separators in Windows-made annotation files; never literal here.
    parts = relative.replace("\\", "/").split("/")
    if ".." in parts:
        raise PathEscapeError(relative, "climbs out of the dataset folder with '..'")
    return [p for p in parts if p not in ("", ".")]


def declared_path(root: Path, relative: str) -> Path:
    """``root / relative`` for a path a dataset card declares, symlinks followed.

    The user's own links (``val2014 -> /mnt/disk/coco/val2014``) are honoured; the card
    path itself may not be absolute or climb out with ``..``.

    Raises:
        PathEscapeError: ``relative`` is empty, absolute, contains a NUL byte or ``..``.
    """
    return Path(os.path.realpath(root.resolve().joinpath(*_parts(relative))))


def safe_join(root: Path, relative: str) -> Path:
    """``root / relative``, resolved, guaranteed to stay inside ``root``.

    Symlinks inside ``root`` that point elsewhere inside ``root`` are fine; the result
    need not exist (a missing file is reported by whoever opens it).

    Raises:
        PathEscapeError: ``relative`` is empty, absolute, contains a NUL byte, or
            resolves (``..`` or a symlink) to a location outside ``root``.
    """
    base = root.resolve()
    target = Path(os.path.realpath(base.joinpath(*_parts(relative))))
    inside = (base, *_TRUSTED.get())
    if not any(target == folder or folder in target.parents for folder in inside):
        raise PathEscapeError(relative, "resolves (through a symlink) outside the dataset folder")
    return target
