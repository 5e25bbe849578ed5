"""The on-disk cache of generated splits.

Layout: ``<root>/v<GENERATOR_VERSION>-seed<seed>/<task>-<split>-<size>/``, where ``root``
defaults to ``bench.paths.cache_dir() / "shapes"``. Each entry is a ``save_to_disk`` folder
plus a manifest listing the SHA-256 of every file, written last. A split is built into a
temporary sibling folder and renamed into place, so readers never see a half-written entry
and, when two processes build the same split at once, the first rename wins and the other
discards its copy. An entry whose manifest is missing or does not match its files is moved
aside and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import datasets

from bench.data.shapes.build import build_split
from bench.data.shapes.spec import GENERATOR_VERSION, check_seed, resolve_size
from bench.paths import cache_dir

MANIFEST = "shapes-manifest.json"


def default_cache_root() -> Path:
    """``bench.paths.cache_dir() / "shapes"``."""
    return cache_dir() / "shapes"


def split_dir(task: str, split: str, *, seed: int, size: int, cache_root: Path | None) -> Path:
    """Where a split is cached."""
    root = cache_root if cache_root is not None else default_cache_root()
    return root / f"v{GENERATOR_VERSION}-seed{seed}" / f"{task}-{split}-{size}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _identity(task: str, split: str, seed: int, size: int) -> dict[str, Any]:
    return {
        "generator_version": GENERATOR_VERSION,
        "task": task,
        "split": split,
        "seed": seed,
        "size": size,
    }


def _write_manifest(folder: Path, identity: dict[str, Any]) -> None:
    files = {
        p.relative_to(folder).as_posix(): _sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
    manifest = {**identity, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")


def _load_checked(folder: Path, identity: dict[str, Any]) -> datasets.Dataset | None:
    """The cached split, or ``None`` when the entry is absent, partial or altered."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(manifest, dict) or any(manifest.get(k) != v for k, v in identity.items()):
            return None
        files = manifest["files"]
        for name, digest in files.items():
            if _sha256(folder / name) != digest:
                return None
        dataset = datasets.load_from_disk(str(folder))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(dataset, datasets.Dataset) or dataset.num_rows != identity["size"]:
        return None
    return dataset


def _discard(folder: Path) -> None:
    """Move a bad entry out of the way (atomically), then delete it."""
    trash = folder.with_name(f".stale-{folder.name}-{uuid.uuid4().hex}")
    try:
        folder.rename(trash)
    except OSError:
        return  # already gone (another process got there first)
    shutil.rmtree(trash, ignore_errors=True)


@contextmanager
def _quiet() -> Iterator[None]:
    """Hide ``datasets``' progress bars for a save that takes milliseconds."""
    was_disabled = datasets.are_progress_bars_disabled()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        if not was_disabled:
            datasets.enable_progress_bars()


def _build_into_place(
    task: str, split: str, seed: int, size: int, folder: Path, identity: dict[str, Any]
) -> datasets.Dataset:
    dataset = build_split(task, split, seed=seed, size=size)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".tmp-{folder.name}-", dir=folder.parent))
    try:
        with _quiet():
            dataset.save_to_disk(str(staging))
        _write_manifest(staging, identity)
        try:
            staging.rename(folder)
        except OSError:
            if not folder.exists():
                raise
            # Another process renamed its (equal) copy first; keep theirs.
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return dataset


def load_split(
    task: str,
    split: str,
    *,
    seed: int = 0,
    size: int | None = None,
    cache_root: Path | None = None,
) -> datasets.Dataset:
    """One split, read from the cache or generated and cached first.

    ``cache_root`` replaces ``bench.paths.cache_dir() / "shapes"``.
    """
    n = resolve_size(task, split, size)
    check_seed(seed)
    folder = split_dir(task, split, seed=seed, size=n, cache_root=cache_root)
    identity = _identity(task, split, seed, n)
    cached = _load_checked(folder, identity)
    if cached is not None:
        return cached
    if folder.exists():
        _discard(folder)
    built = _build_into_place(task, split, seed, n, folder, identity)
    # Serve the memory-mapped copy; the in-memory one only if the entry was spoiled meanwhile.
    loaded = _load_checked(folder, identity)
    return loaded if loaded is not None else built
