"""Hugging Face hub sources, pinned to a revision.

``kind = "hf-datasets"``
    ``datasets.load_dataset(id, config, split=..., revision=...)`` (``data_files`` when the
    repository needs it), then the card's column mapping (:mod:`.hub_rows`). Options:
    ``id``, ``revision``, ``config``, ``data_files``, ``splits = {card split = hub split}``,
    ``columns``, ``image_key``, ``label_map``, ``subset``.

``kind = "hf-snapshot"``
    For hub repositories that mirror the original distribution layout: the files matching
    ``allow_patterns`` are downloaded (``huggingface_hub.snapshot_download``) into the
    modalbench cache and read by the local reader named by ``layout``, with this table's
    ``files``/``dirs``/reader options.

Both look for the pinned revision in the Hugging Face hub cache first
(:mod:`.hub_cache`), as ``hf download`` / ``snapshot_download`` leave it, and read it from
there online or offline. Offline (``HF_DATASETS_OFFLINE``/``HF_HUB_OFFLINE``, or no
network) and not cached, they raise a UsageError naming the dataset and the exact download
command (``modalbench data download TASK`` runs it), or ``--data-dir`` with the original
layout.
"""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path
from typing import Any

from bench.data.cards import SourceSpec
from bench.data.paths import trusting
from bench.data.sources.hub_cache import (
    cached_snapshot,
    download_command,
    load_snapshot_split,
    patterns_of,
    split_patterns,
)
from bench.data.sources.hub_rows import ImageStore, column_map, row_sample
from bench.data.sources.layout import option
from bench.data.sources.subset import apply_subset
from bench.errors import UsageError
from bench.paths import cache_dir
from bench.types import Sample

_OFFLINE_VARIABLES = ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE")
_COMPLETE = ".modalbench-complete"
_BATCH = 256


def offline_mode() -> bool:
    """Whether the Hugging Face libraries were told not to touch the network."""
    return any(
        os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on")
        for v in _OFFLINE_VARIABLES
    )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "dataset"


def unavailable(
    ident: str, revision: str, exc: BaseException, patterns: list[str] | None = None
) -> UsageError:
    """The error for a hub dataset that cannot be loaded here, with the way out."""
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if offline_mode():
        why = f"offline mode is on and it is not in the local cache ({detail})"
    elif isinstance(exc, ConnectionError):
        why = f"the hub could not be reached and it is not in the local cache ({detail})"
    else:
        why = f"loading failed ({type(exc).__name__}: {detail})"
    command = download_command(ident, revision, patterns or [])
    return UsageError(
        f"Hugging Face dataset '{ident}' (revision {revision}) is not available: {why}. "
        f"Download it where there is network with `{command}` (or `modalbench data download "
        "TASK`; the hub cache is read offline), or download the original files and pass "
        "--data-dir (`modalbench data check TASK --data-dir DIR` lists what is needed)"
    )


def _identity(spec: SourceSpec) -> tuple[str, str]:
    ident = option(spec, "id", "", str)
    if not ident:
        raise UsageError(f"field 'source.{spec.role}.id' must name a hub dataset")
    return ident, option(spec, "revision", "main", str)


def hub_split(spec: SourceSpec, split: str) -> str:
    """The hub's name of a card split (``source.hub.splits``, else the same name)."""
    splits = option(spec, "splits", {}, dict)
    value = splits.get(split, split)
    if not isinstance(value, str):
        raise UsageError(f"field 'source.{spec.role}.splits.{split}' must be a split name")
    return value


def load_hub_split(spec: SourceSpec, split: str) -> Any:
    """The pinned ``datasets.Dataset`` for one card split (UsageError when unavailable)."""
    import datasets

    ident, revision = _identity(spec)
    kwargs: dict[str, Any] = {}
    config = option(spec, "config", "", str)
    if config:
        kwargs["name"] = config
    data_files = spec.options.get("data_files")
    hub_name = hub_split(spec, split)
    patterns = patterns_of(data_files) or split_patterns([hub_name])
    snapshot = cached_snapshot(ident, revision, patterns)
    if snapshot is not None:
        try:
            return load_snapshot_split(snapshot, data_files, hub_name, split, config)
        except (OSError, ValueError) as exc:
            raise UsageError(f"hub cache snapshot {snapshot}: cannot be read ({exc})") from exc
    if data_files is not None:
        kwargs["data_files"] = data_files
    try:  # offline, this still finds a copy `datasets` cached by an earlier online load
        return datasets.load_dataset(ident, split=hub_name, revision=revision, **kwargs)
    except (OSError, ValueError) as exc:  # ConnectionError and hub errors are OSErrors
        raise unavailable(ident, revision, exc, patterns) from exc


def _undecoded(dataset: Any, columns: set[str]) -> Any:
    """Keep only the mapped columns; image columns stay encoded bytes (never decoded here)."""
    import datasets

    missing = sorted(c for c in columns if c not in dataset.column_names)
    dataset = dataset.select_columns([c for c in dataset.column_names if c in columns])
    for name, feature in dataset.features.items():
        if isinstance(feature, datasets.Image):
            dataset = dataset.cast_column(name, datasets.Image(decode=False))
    return dataset, missing


def read_hf_datasets(spec: SourceSpec, split: str, data_dir: Path | None) -> list[Sample]:
    """One split of a pinned hub dataset, mapped to samples by the card's columns."""
    del data_dir  # hub sources are used when no --data-dir is given
    mapping = column_map(spec)
    ident, revision = _identity(spec)
    dataset, missing = _undecoded(load_hub_split(spec, split), mapping.source_columns())
    fields = [mapping.id, mapping.text, mapping.references, mapping.label, *mapping.meta.values()]
    absent = sorted({p.split(".")[0] for p in fields if p} & set(missing))
    if absent or (mapping.image and all(c in missing for c in mapping.image)):
        raise UsageError(
            f"hub dataset '{ident}@{revision}' lacks columns {absent or list(mapping.image)} "
            f"named in 'source.{spec.role}.columns'"
        )
    store = ImageStore(cache_dir() / "hub-images" / _slug(ident) / _slug(revision) / _slug(split))
    samples: list[Sample] = []
    for batch in dataset.iter(batch_size=_BATCH):
        names = list(batch)
        for offset in range(len(batch[names[0]]) if names else 0):
            row = {name: batch[name][offset] for name in names}
            samples.append(row_sample(row, len(samples), mapping, store))
    return apply_subset(spec, samples)


def _snapshot(spec: SourceSpec) -> Path:
    """The downloaded repository files (real files, no symlinks into the hub cache)."""
    from huggingface_hub import snapshot_download

    ident, revision = _identity(spec)
    patterns = option(spec, "allow_patterns", [], list) or None
    folder = cache_dir() / "hub-snapshots" / _slug(ident) / _slug(revision)
    if (folder / _COMPLETE).is_file():
        return folder
    if offline_mode():
        exc = LookupError("not in the modalbench cache")
        raise unavailable(ident, revision, exc, list(patterns or []))
    try:
        snapshot_download(
            ident,
            repo_type="dataset",
            revision=revision,
            local_dir=folder,
            allow_patterns=patterns,
        )
    except (OSError, ValueError) as exc:
        raise unavailable(ident, revision, exc, list(patterns or [])) from exc
    (folder / _COMPLETE).write_text(f"{ident}@{revision}\n")
    return folder


def read_hf_snapshot(spec: SourceSpec, split: str, data_dir: Path | None) -> list[Sample]:
    """A hub copy of the original layout, read by the local reader named by ``layout``."""
    from bench.data.sources import READERS

    del data_dir
    layout = option(spec, "layout", "", str)
    if layout not in READERS or layout.startswith("hf-"):
        raise UsageError(f"field 'source.{spec.role}.layout' must name a local reader kind")
    module_name, _, attr = READERS[layout].partition(":")
    reader = getattr(importlib.import_module(module_name), attr)
    local = SourceSpec(role=spec.role, kind=layout, options=spec.options)
    ident, revision = _identity(spec)
    patterns = option(spec, "allow_patterns", [], list)
    cached = cached_snapshot(ident, revision, patterns)
    if cached is None:
        samples: list[Sample] = reader(local, split, _snapshot(spec))
        return samples
    # A hub cache snapshot (as `hf download` leaves it) holds links into the repository's
    # blobs/ folder: links the download made, so the reader may follow them there.
    with trusting(cached.parent.parent / "blobs"):
        samples = reader(local, split, cached)
    return samples
