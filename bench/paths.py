"""Where modalbench keeps its caches (generated datasets, prediction caches)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$MODALBENCH_CACHE``, else ``$XDG_CACHE_HOME/modalbench``, else ``~/.cache/modalbench``."""
    explicit = os.environ.get("MODALBENCH_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "modalbench"
