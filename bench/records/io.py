"""Reading and writing run folders atomically.

A run folder holds ``samples.jsonl`` then ``record.json``, each written to a temporary file
and renamed into place, ``record.json`` last: a folder without ``record.json`` is an
interrupted run and readers ignore it, so ``table`` and ``compare`` never see half a record.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import MISSING, asdict, fields, is_dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench.errors import UsageError
from bench.records.schema import (
    SCHEMA_VERSION,
    ErrorEntry,
    MetricEntry,
    ModelSection,
    RunRecord,
    TaskSection,
    Throughput,
)
from bench.tasking import SampleRow

RECORD_FILE = "record.json"
SAMPLES_FILE = "samples.jsonl"


def new_run_id(now: datetime | None = None) -> str:
    """``YYYYmmddTHHMMSSZ-<6 hex>``: sortable by time, unique across concurrent runs."""
    moment = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    return f"{moment}-{secrets.token_hex(3)}"


def slug(text: str) -> str:
    """A file-system-safe folder name for a task or model spec."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text.replace(":", "_").replace("/", "_"))
    return cleaned.strip("._") or "unnamed"


def _finite(value: Any) -> Any:
    """Replace NaN/inf by None so the JSON stays standard (json.dumps would write NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_run(folder: Path, record: RunRecord, rows: Iterable[SampleRow]) -> Path:
    """Write a run folder (JSONL first, the record last); returns the record path."""
    # A shallow dict per row: dataclasses.asdict deep-copies every stats list (slow).
    lines = (
        json.dumps(_finite({f.name: getattr(row, f.name) for f in fields(row)}), ensure_ascii=False)
        for row in rows
    )
    atomic_write_text(folder / SAMPLES_FILE, "".join(line + "\n" for line in lines))
    return write_record(folder, record)


def write_record(folder: Path, record: RunRecord) -> Path:
    """Write ``record.json`` into a run folder (last: its presence marks a complete run)."""
    record_path = folder / RECORD_FILE
    atomic_write_text(record_path, json.dumps(_finite(record.to_json()), indent=2) + "\n")
    return record_path


def _build(cls: type, data: Any, path: Path, where: str) -> Any:
    """Construct dataclass ``cls`` from JSON ``data``, naming the field path on error."""
    if not isinstance(data, dict):
        raise UsageError(f"{path}: field '{where or '$'}' must be an object")
    kwargs: dict[str, Any] = {}
    for f in fields(cls):
        key_path = f"{where}.{f.name}" if where else f.name
        if f.name not in data:
            if f.default is not MISSING or f.default_factory is not MISSING:
                continue
            raise UsageError(f"{path}: missing field '{key_path}'")
        kwargs[f.name] = data[f.name]
    unknown = set(data) - {f.name for f in fields(cls)}
    if unknown:
        raise UsageError(
            f"{path}: unknown field '{where + '.' if where else ''}{sorted(unknown)[0]}'"
        )
    return cls(**kwargs)


def _check_number(value: Any, path: Path, where: str, *, optional: bool) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{path}: field '{where}' must be a number")


def record_from_json(data: Any, path: Path) -> RunRecord:
    """Validate and build a RunRecord; UsageError names the file and the field path."""
    if not isinstance(data, dict):
        raise UsageError(f"{path}: a run record must be a JSON object")
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise UsageError(
            f"{path}: field 'schema_version' is {version!r}; this modalbench reads version "
            f"{SCHEMA_VERSION} (re-run the evaluation or use the modalbench that wrote it)"
        )
    record = _build(RunRecord, data, path, "")
    metrics: dict[str, MetricEntry] = {}
    if not isinstance(record.metrics, dict):
        raise UsageError(f"{path}: field 'metrics' must be an object")
    for name, entry in record.metrics.items():
        built = _build(MetricEntry, entry, path, f"metrics.{name}")
        _check_number(built.value, path, f"metrics.{name}.value", optional=True)
        _check_number(built.ci_low, path, f"metrics.{name}.ci_low", optional=True)
        _check_number(built.ci_high, path, f"metrics.{name}.ci_high", optional=True)
        metrics[name] = built
    errors = record.errors
    if not isinstance(errors, list):
        raise UsageError(f"{path}: field 'errors' must be a list")
    return RunRecord(
        **{
            **{f.name: getattr(record, f.name) for f in fields(RunRecord)},
            "task": _build(TaskSection, record.task, path, "task"),
            "model": _build(ModelSection, record.model, path, "model"),
            "metrics": metrics,
            "errors": [_build(ErrorEntry, e, path, f"errors[{i}]") for i, e in enumerate(errors)],
            "throughput": _build(Throughput, record.throughput, path, "throughput"),
        }
    )


def read_record(path: Path) -> RunRecord:
    """Read ``record.json`` (or a run folder holding one)."""
    if path.is_dir():
        path = path / RECORD_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read run record ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: malformed JSON at line {exc.lineno} ({exc.msg})") from exc
    except RecursionError as exc:
        raise UsageError(f"{path}: malformed JSON (nested too deeply)") from exc
    return record_from_json(data, path)


def read_rows(folder: Path) -> Iterator[dict[str, Any]]:
    """The per-sample rows of a run folder, validated line by line."""
    path = folder / SAMPLES_FILE
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read per-sample records ({exc.strerror})") from exc
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                try:
                    row = json.loads(line)
                except (json.JSONDecodeError, RecursionError) as exc:
                    reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "too deep"
                    raise UsageError(f"{path}: line {number}: malformed JSON ({reason})") from exc
                if not isinstance(row, dict) or not {"unit", "id", "stats"} <= row.keys():
                    raise UsageError(f"{path}: line {number}: expected unit, id and stats fields")
                yield row
        except UnicodeDecodeError as exc:
            raise UsageError(f"{path}: not UTF-8 text ({exc.reason})") from exc


def find_runs(root: Path) -> list[Path]:
    """Every complete run folder (holding ``record.json``) under ``root``, sorted."""
    if (root / RECORD_FILE).is_file():
        return [root]
    return sorted(p.parent for p in root.rglob(RECORD_FILE))


def as_plain(value: Any) -> Any:
    """Dataclasses (nested) to plain JSON values."""
    if is_dataclass(value) and not isinstance(value, type):
        return {k: as_plain(v) for k, v in asdict(value).items()}
    if isinstance(value, Mapping):
        return {str(k): as_plain(v) for k, v in value.items()}
    return value
