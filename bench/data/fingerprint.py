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

#: File digests by (resolved path, size, mtime_ns): many VQA questions share one image,
#: and a rerun in the same process must not read every image again. A changed file has a
#: new size or mtime and is read again.
_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}
_MEMO_LIMIT = 1_000_000


def _file_digest(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return f"missing:{path.name}"
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    cached = _FILE_DIGESTS.get(key)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
    except OSError:
        return f"missing:{path.name}"
    if len(_FILE_DIGESTS) >= _MEMO_LIMIT:
        _FILE_DIGESTS.clear()
    _FILE_DIGESTS[key] = digest.hexdigest()
    return _FILE_DIGESTS[key]


def image_digest(source: ImageSource | None) -> str:
    """SHA-256 of an image's encoded bytes (file content, raw bytes or a PIL image's pixels).

    An unreadable file hashes as ``missing:<name>`` so that a broken dataset still has a
    stable fingerprint; the decode error is reported per sample elsewhere. A file's digest
    is remembered by (path, size, mtime) so an image shared by many samples is read once.
    """
    if source is None:
        return "none"
    if isinstance(source, (str, os.PathLike)):
        return _file_digest(Path(source))
    digest = hashlib.sha256()
    if isinstance(source, bytes):
        digest.update(source)
    else:
        buffer = io.BytesIO()
        digest.update(f"{source.mode}:{source.size}".encode())
        buffer.write(source.tobytes())
        digest.update(buffer.getvalue())
    return digest.hexdigest()


def fingerprint_samples(samples: Iterable[Sample]) -> str:
    """A SHA-256 over every field of every sample, in order (images by content).

    Text is hashed with ``surrogatepass``: a lone surrogate read from a JSON escape
    (``"\\udce9"``) hashes deterministically, and differently from any other text.
    """
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
        text = json.dumps(record, sort_keys=True, ensure_ascii=False)
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\n")
    return digest.hexdigest()
