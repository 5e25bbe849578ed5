"""Hub datasets downloaded ahead of time: the Hugging Face hub cache, read offline.

People download on a login node (``hf download ORG/NAME --repo-type dataset --revision
SHA``) and evaluate on an offline compute node. A hub source first looks for its pinned
revision in the hub cache (``$HF_HUB_CACHE``, else ``$HF_HOME/hub``) exactly as such a
download leaves it (``datasets--ORG--NAME/snapshots/SHA/...``) and loads the files from
that folder with the ``datasets`` builder their extension names (webdataset, parquet,
json, csv, arrow). Only when the snapshot is absent does it go to the network.
"""

from __future__ import annotations

import fnmatch
import os
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.data.cards import DatasetCard, SourceSpec
from bench.errors import UsageError
from bench.paths import cache_dir

#: File extension -> the ``datasets`` packaged builder that reads it.
BUILDERS = {
    ".tar": "webdataset",
    ".parquet": "parquet",
    ".json": "json",
    ".jsonl": "json",
    ".csv": "csv",
    ".arrow": "arrow",
}


def hub_cache_dir() -> Path:
    """The hub cache folder, from the environment at call time."""
    explicit = os.environ.get("HF_HUB_CACHE") or os.environ.get("HUGGINGFACE_HUB_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    home = os.environ.get("HF_HOME")
    if home:
        return Path(home).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "huggingface" / "hub"


def patterns_of(data_files: Any) -> list[str]:
    """The glob patterns of a card's ``data_files`` (a pattern, a list, or by split)."""
    if data_files is None:
        return []
    if isinstance(data_files, str):
        return [data_files]
    if isinstance(data_files, Mapping):
        return [p for value in data_files.values() for p in patterns_of(value)]
    if isinstance(data_files, Sequence):
        return [p for value in data_files for p in patterns_of(value)]
    raise UsageError("field 'data_files' must be a pattern, a list or a table of them")


def split_patterns(hub_splits: Sequence[str]) -> list[str]:
    """The files that hold these hub splits in the hub's usual layouts, for a card that
    names no ``data_files``: ``data/<split>-00000-of-00004.parquet``, ``<split>.jsonl``,
    ``<split>/...``. Patterns match as the hub's ``allow_patterns`` do (``*`` crosses
    ``/``), so a download fetches those files and nothing of the other splits."""
    patterns: list[str] = []
    for split in dict.fromkeys(hub_splits):
        patterns += [f"{split}-*", f"*/{split}-*", f"{split}.*", f"*/{split}.*"]
        patterns += [f"{split}/*", f"*/{split}/*"]
    return patterns


def download_command(ident: str, revision: str, patterns: Sequence[str]) -> str:
    """The shell command that puts exactly these files of the revision in the hub cache."""
    words = ["hf", "download", ident, "--repo-type", "dataset", "--revision", revision]
    for pattern in patterns:
        words += ["--include", pattern]
    return " ".join(shlex.quote(w) for w in words)


def card_hub_splits(card: DatasetCard, spec: SourceSpec) -> list[str]:
    """The hub names of the splits a run of ``card`` reads (evaluated, then train)."""
    names = [s for s in (card.split, card.train_split) if s]
    mapping = spec.options.get("splits", {})
    return [str(mapping.get(s, s)) if isinstance(mapping, Mapping) else s for s in names]


def source_files(
    options: Mapping[str, Any], hub_splits: Sequence[str] = ()
) -> tuple[str, str, list[str]]:
    """``(id, revision, patterns)`` of a hub source's options: everything a run reads.

    ``data_files`` (hf-datasets) or ``allow_patterns`` (hf-snapshot) name the files; with
    neither, the files of ``hub_splits`` (:func:`split_patterns`; all when none is given).
    """
    ident = options.get("id")
    revision = options.get("revision", "main")
    if not isinstance(ident, str) or not ident or not isinstance(revision, str):
        raise UsageError("field 'source.hub.id' must name a hub dataset")
    patterns = patterns_of(options.get("data_files")) or patterns_of(options.get("allow_patterns"))
    return ident, revision, patterns or split_patterns(hub_splits)


def cached_snapshot(ident: str, revision: str, patterns: Sequence[str]) -> Path | None:
    """The snapshot folder of ``ident@revision`` in the hub cache, when it holds the files.

    Never touches the network. None when the revision is absent, or present without any
    file matching ``patterns`` (a download of other files of the same revision).
    """
    from huggingface_hub import snapshot_download

    try:
        folder = Path(
            snapshot_download(
                ident,
                repo_type="dataset",
                revision=revision,
                cache_dir=hub_cache_dir(),
                local_files_only=True,
            )
        )
    except (OSError, ValueError):  # LocalEntryNotFoundError is an OSError
        return None
    if not folder.is_dir():
        return None
    if patterns and not any(_matches(folder, p) for p in patterns):
        return None
    if not patterns and not any(p.is_file() for p in folder.rglob("*")):
        return None
    return folder


def download_snapshot(ident: str, revision: str, patterns: Sequence[str]) -> Path:
    """Download the revision's files matching ``patterns`` (all when empty) into the cache."""
    from huggingface_hub import snapshot_download

    return Path(
        snapshot_download(
            ident,
            repo_type="dataset",
            revision=revision,
            cache_dir=hub_cache_dir(),
            allow_patterns=list(patterns) or None,
        )
    )


def _matches(folder: Path, pattern: str) -> list[Path]:
    """Files under ``folder`` whose relative path matches ``pattern`` as the hub's
    ``allow_patterns`` match (fnmatch: ``*`` crosses ``/``)."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and fnmatch.fnmatchcase(p.relative_to(folder).as_posix(), pattern)
    )


def builder_for(files: Sequence[Path], where: str) -> str:
    """The one ``datasets`` builder that reads every file, or a UsageError naming them."""
    kinds = {BUILDERS.get("".join(f.suffixes[-1:]).lower()) for f in files}
    if len(kinds) != 1 or None in kinds:
        names = ", ".join(sorted({f.suffix or f.name for f in files}))
        raise UsageError(f"{where}: cannot tell which datasets builder reads {names}")
    kind = kinds.pop()
    assert kind is not None
    return kind


def load_snapshot_split(
    folder: Path, data_files: Any, hub_split: str, card_split: str, config: str
) -> Any:
    """One split of a dataset from a snapshot folder, with the builder its files need."""
    import datasets

    where = f"hub cache snapshot {folder}"
    # Arrow files datasets builds from the snapshot go to modalbench's cache, not ~/.cache.
    kwargs: dict[str, Any] = {"cache_dir": str(cache_dir() / "hf-datasets")}
    if data_files is None:
        found = {f for p in split_patterns([hub_split]) for f in _matches(folder, p)}
        files = sorted(f for f in found if f.suffix.lower() in BUILDERS)
        if not files:  # a layout split_patterns does not know: let datasets read the repo
            if config:
                kwargs["name"] = config
            return datasets.load_dataset(str(folder), split=hub_split, **kwargs)
        data_files = {hub_split: [str(f.relative_to(folder)) for f in files]}
    if isinstance(data_files, Mapping):
        chosen = data_files.get(hub_split, data_files.get(card_split))
        if chosen is None:
            raise UsageError(f"field 'data_files' has no entry for split '{hub_split}'")
    else:
        chosen = data_files
    files = [f for p in patterns_of(chosen) for f in _matches(folder, p)]
    if not files:
        raise UsageError(f"{where}: no file matches {patterns_of(chosen)}")
    builder = builder_for(files, where)
    return datasets.load_dataset(
        builder, data_files={hub_split: [str(f) for f in files]}, split=hub_split, **kwargs
    )
