"""The prediction cache: per-item model outputs in SQLite, so interrupted runs resume.

Keys: a *namespace* (model fingerprint + model settings + task + dataset fingerprint), a
*stage key* (stage name + every setting that changes the output) and the item id. Values
are text or raw little-endian float32 vectors (never pickle). WAL mode plus a busy timeout
let several processes share one cache; each batch is committed on its own, so a killed
run loses at most the batches in flight.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.tasking import Output

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outputs (
    namespace TEXT NOT NULL,
    stage_key TEXT NOT NULL,
    item_id   TEXT NOT NULL,
    text      TEXT,
    vector    BLOB,
    PRIMARY KEY (namespace, stage_key, item_id)
) WITHOUT ROWID
"""
_LOOKUP_CHUNK = 500
_BUSY_TIMEOUT_S = 60.0


def _enable_wal(db: sqlite3.Connection) -> None:
    """Switch ``db`` to WAL mode, waiting out another process doing the same.

    Two processes opening a new database at once both try to change its journal mode;
    SQLite then answers "database is locked" at once, without calling the busy handler,
    so the wait happens here.
    """
    deadline = time.monotonic() + _BUSY_TIMEOUT_S
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def stable_key(*parts: Any) -> str:
    """A SHA-256 over JSON-encoded parts (sorted keys): equal settings, equal keys."""
    encoded = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


class PredictionCache:
    """A SQLite-backed map ``(namespace, stage_key, item_id) -> Output``."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        _enable_wal(self._db)
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def get_many(self, namespace: str, stage_key: str, ids: Sequence[str]) -> dict[str, Output]:
        """The cached outputs among ``ids`` (missing ids are simply absent)."""
        found: dict[str, Output] = {}
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            chunk = list(ids[start : start + _LOOKUP_CHUNK])
            marks = ",".join("?" * len(chunk))
            # Only "?" placeholders are interpolated; every value is a bound parameter.
            query = f"SELECT item_id, text, vector FROM outputs WHERE namespace = ? AND stage_key = ? AND item_id IN ({marks})"  # noqa: S608, E501
            for item_id, text, vector in self._db.execute(query, [namespace, stage_key, *chunk]):
                if vector is not None:
                    found[item_id] = np.frombuffer(vector, dtype="<f4").copy()
                else:
                    found[item_id] = text
        return found

    def put_many(self, namespace: str, stage_key: str, outputs: Mapping[str, Output]) -> None:
        """Store outputs in one transaction (all or nothing)."""
        rows: Iterable[tuple[str, str, str, str | None, bytes | None]] = (
            (
                namespace,
                stage_key,
                item_id,
                value if isinstance(value, str) else None,
                None if isinstance(value, str) else np.asarray(value, dtype="<f4").tobytes(),
            )
            for item_id, value in outputs.items()
        )
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?)", list(rows)
            )

    def count(self, namespace: str | None = None) -> int:
        """Number of cached outputs (in one namespace, or in all)."""
        if namespace is None:
            row = self._db.execute("SELECT COUNT(*) FROM outputs").fetchone()
        else:
            row = self._db.execute(
                "SELECT COUNT(*) FROM outputs WHERE namespace = ?", (namespace,)
            ).fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close the connection."""
        self._db.close()
