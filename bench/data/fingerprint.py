"""Content fingerprints of evaluated sample sets (recorded in every RunRecord)."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterable
from pathlib import Path

from bench.types import ImageSource, Sample

_CHUNK = 1 << 20


def image_digest(source: ImageSource | None) -> str:
    """SHA-256 of an image's encoded bytes (file content, raw bytes or a PIL image's pixels).

    An unreadable file hashes as ``missing:<name>`` so that a broken dataset still has a
    stable fingerprint; the decode error is reported per sample elsewhere.
    """
    if source is None:
        return "none"
    digest = hashlib.sha256()
    if isinstance(source, bytes):
        digest.update(source)
    elif isinstance(source, (str, os.PathLike)):
        try:
            with Path(source).open("rb") as handle:
                for chunk in iter(lambda: handle.read(_CHUNK), b""):
                    digest.update(chunk)
        except OSError:
            return f"missing:{Path(source).name}"
    else:
        buffer = io.BytesIO()
        digest.update(f"{source.mode}:{source.size}".encode())
        buffer.write(source.tobytes())
        digest.update(buffer.getvalue())
    return digest.hexdigest()


def fingerprint_samples(samples: Iterable[Sample]) -> str:
    """A SHA-256 over every field of every sample, in order (images by content)."""
    digest = hashlib.sha256()
    for sample in samples:
        record = {
            "id": sample.id,
            "image": image_digest(sample.image),
            "text": sample.text,
            "references": list(sample.references),
            "label": sample.label,
            "meta": dict(sorted(sample.meta.items())),
        }
        digest.update(json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
