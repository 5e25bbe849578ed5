"""Model fingerprints: the hub commit a snapshot came from, or a hash of the local files.

A fingerprint names the exact weights (and configuration) a prediction came from; it is
recorded in every RunRecord and keys the prediction cache.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: Files that change what a model predicts: weights, configuration, tokenizer, templates,
#: and the modelling code a ``--trust-remote-code`` checkpoint ships.
FINGERPRINT_SUFFIXES = frozenset(
    {".safetensors", ".bin", ".pt", ".pth", ".json", ".jinja", ".txt", ".model", ".tiktoken", ".py"}
)
_CHUNK = 1 << 20


def _update_with_file(digest: hashlib._Hash, path: Path) -> None:
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)


def file_sha256(path: Path) -> str:
    """The hex sha256 of one file, streamed."""
    digest = hashlib.sha256()
    _update_with_file(digest, path)
    return digest.hexdigest()


def folder_files(folder: Path) -> list[Path]:
    """The files of ``folder`` (top level) that take part in its fingerprint, sorted."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix in FINGERPRINT_SUFFIXES
    )


def folder_sha256(folder: Path) -> str:
    """``sha256:<hex>`` over the names and contents of a model folder's files.

    Covers weights (``*.safetensors``, ``*.bin``...) and the configuration, tokenizer and
    chat-template files beside them, so any change that can change a prediction changes it.
    """
    digest = hashlib.sha256()
    for path in folder_files(folder):
        digest.update(path.name.encode("utf-8") + b"\0")
        digest.update(str(path.stat().st_size).encode("ascii") + b"\0")
        _update_with_file(digest, path)
    return f"sha256:{digest.hexdigest()}"


def hub_fingerprint(repo_id: str, commit: str) -> str:
    """``hf:<repo>@<commit>`` for a hub snapshot."""
    return f"hf:{repo_id}@{commit}"


def data_file_fingerprint(path: Path, *, max_hashed_bytes: int = 64 << 20) -> str:
    """A fingerprint for an auxiliary data file or folder (region features, answer lists).

    Files up to ``max_hashed_bytes`` are hashed; larger files and folders are identified by
    name, size and modification time (hashing gigabytes of features on every run would cost
    more than the evaluation).
    """
    if path.is_file() and path.stat().st_size <= max_hashed_bytes:
        return f"sha256:{file_sha256(path)}"
    stats = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for item in stats:
        info = item.stat()
        digest.update(
            f"{item.relative_to(path.parent)}\0{info.st_size}\0{info.st_mtime_ns}\0".encode()
        )
    return f"stat:{digest.hexdigest()}"
