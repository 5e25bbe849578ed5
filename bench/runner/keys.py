"""One rule for what identifies a model's outputs, shared by both result stores.

The prediction cache (per item) and the store of finished evaluations (per record) both key
on the same *code identity*: the source digest of modalbench, of the adapter's package and
of the task's package, the adapter class, and the version of every library a record lists.
An adapter fix, a task fix or a library upgrade therefore invalidates cached predictions and
finished evaluations alike; code that cannot be fingerprinted (no source files on disk) is
never trusted to be unchanged, so nothing is cached for it.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path
from typing import Any

from bench.runner.environment import library_versions

#: Per package: the (name, size, mtime) of its source files and their digest. Keyed by
#: file stats rather than cached for the process, so a long-lived session (a notebook
#: reloading edited code) never keeps a stale digest.
_DIGESTS: dict[str, tuple[tuple[tuple[str, int, int], ...], str]] = {}


def _source_files(package: str) -> list[tuple[str, Path]] | None:
    spec = importlib.util.find_spec(package)
    if spec is None:
        return None
    if spec.submodule_search_locations is not None:
        roots = [Path(location) for location in spec.submodule_search_locations]
        return sorted(
            (str(path.relative_to(root)), path) for root in roots for path in root.rglob("*.py")
        )
    if spec.origin is not None and spec.origin.endswith(".py"):
        return [(Path(spec.origin).name, Path(spec.origin))]
    return None


def package_digest(package: str) -> str | None:
    """SHA-256 over the ``.py`` files of a top-level package (or a single module).

    None when the package has no source files on disk (a zip import): code that cannot be
    fingerprinted is never trusted to be unchanged.
    """
    files = _source_files(package)
    if not files:
        return None
    stats = tuple(
        (name, info.st_size, info.st_mtime_ns)
        for name, info in ((name, path.stat()) for name, path in files)
    )
    known = _DIGESTS.get(package)
    if known is not None and known[0] == stats:
        return known[1]
    digest = hashlib.sha256()
    for name, path in files:
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    _DIGESTS[package] = (stats, digest.hexdigest())
    return digest.hexdigest()


def code_digests(*modules: str) -> dict[str, str] | None:
    """Per top-level package of ``modules`` (and of modalbench itself), its source digest."""
    packages = dict.fromkeys(["bench", *(m.partition(".")[0] for m in modules)])
    digests: dict[str, str] = {}
    for package in packages:
        found = package_digest(package)
        if found is None:
            return None
        digests[package] = found
    return digests


def code_identity(adapter_class: type, task_class: type) -> dict[str, Any] | None:
    """The code and libraries behind an evaluation's outputs; None when not fingerprintable."""
    digests = code_digests(adapter_class.__module__, task_class.__module__)
    if digests is None:
        return None
    return {
        "adapter": f"{adapter_class.__module__}.{adapter_class.__qualname__}",
        "sources": digests,
        "libraries": library_versions(),
    }
