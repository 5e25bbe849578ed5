"""``tomllib`` on Python 3.11+, ``tomli`` before, and one checked TOML file reader."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from bench.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib as toml_reader
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as toml_reader

__all__ = ["load_toml", "toml_reader"]


def load_toml(path: Path, what: str) -> dict[str, Any]:
    """Parse a user's TOML file; any unreadable or malformed file is a UsageError naming it
    (``what`` says what the file is meant to be, e.g. ``dataset card``)."""
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = toml_reader.load(handle)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read {what} ({exc.strerror})") from exc
    except toml_reader.TOMLDecodeError as exc:
        raise UsageError(f"{path}: malformed TOML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (byte {exc.start})") from exc
    except RecursionError as exc:
        raise UsageError(f"{path}: malformed TOML (nested too deeply)") from exc
    return data
