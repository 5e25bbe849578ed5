"""Finding a Hugging Face model: a local folder, or a hub id in the local cache.

Resolving reads only ``config.json`` (through ``huggingface_hub``, which honours
``HF_HUB_OFFLINE``); weights load later. A miss becomes a one-line UsageError naming the id
and how to fix it.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.adapters.fingerprint import folder_sha256, hub_fingerprint
from bench.errors import UsageError

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")
_SNAPSHOT = re.compile(r"/snapshots/([0-9a-f]{40})/")

OFFLINE_HINT = (
    "set HF_HUB_OFFLINE=0 with network access to download it, "
    "or pass a local folder (hf:/path/to/model)"
)


@dataclass(frozen=True)
class ModelLocation:
    """Where a model's files are.

    Attributes:
        source: the id or path as the user wrote it.
        folder: the local folder holding ``config.json`` (a cache snapshot for hub ids).
        repo_id: the hub id, when the model comes from the hub.
        commit: the hub snapshot's commit sha, when known.
        revision: the revision the user asked for (hub ids only).
    """

    source: str
    folder: Path
    repo_id: str | None = None
    commit: str | None = None
    revision: str | None = None

    @property
    def load_id(self) -> str:
        """What to pass to ``from_pretrained``: the hub id, or the folder."""
        return self.repo_id if self.repo_id is not None else str(self.folder)

    def config(self) -> dict[str, Any]:
        """The parsed ``config.json``."""
        return read_json(self.folder / "config.json", what="model config")

    @functools.cached_property
    def fingerprint(self) -> str:
        """The hub commit for cached snapshots, else a hash of the folder's files.

        Computed once per location: the runner asks before loading (to recognise a finished
        evaluation) and the adapter loaded from this location asks again after.
        """
        if self.repo_id is not None and self.commit is not None:
            return hub_fingerprint(self.repo_id, self.commit)
        return folder_sha256(self.folder)


def read_json(path: Path, *, what: str) -> dict[str, Any]:
    """Parse a JSON object file; UsageError naming the file when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the {what} ({exc})") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{path}: the {what} is not a JSON object")
    return data


def looks_like_path(target: str) -> bool:
    """Whether ``target`` can only be a path (it cannot be a hub id)."""
    return not _HUB_ID.match(target) or target.startswith((".", "~"))


def locate(target: str, revision: str | None = None) -> ModelLocation:
    """Find the model ``target`` (a folder, or a hub id in the cache / on the hub).

    Raises:
        UsageError: the folder lacks ``config.json``, the path does not exist, or the
            hub id is neither cached nor downloadable (with the offline hint).
    """
    if not target:
        raise UsageError("empty model id: expected hf:ORG/NAME or hf:/path/to/folder")
    path = Path(target).expanduser()
    if path.is_dir():
        if revision is not None:
            raise UsageError(f"--model-arg revision applies to hub ids, not to the folder {target}")
        if not (path / "config.json").is_file():
            raise UsageError(f"{target}: no config.json in this folder (not a Hugging Face model)")
        return ModelLocation(source=target, folder=path.resolve())
    if looks_like_path(target):
        raise UsageError(f"model folder not found: {target}")
    return _from_hub(target, revision)


def _from_hub(repo_id: str, revision: str | None) -> ModelLocation:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError, LocalEntryNotFoundError

    try:
        config_path = hf_hub_download(repo_id, "config.json", revision=revision)
    except LocalEntryNotFoundError as exc:
        raise UsageError(
            f"model '{repo_id}' not found: no local folder of that name and not in the "
            f"Hugging Face cache; {OFFLINE_HINT}"
        ) from exc
    except EntryNotFoundError as exc:
        raise UsageError(
            f"model '{repo_id}' has no config.json (not a transformers model)"
        ) from exc
    except (HfHubHTTPError, OSError, ValueError) as exc:
        where = f"'{repo_id}'" + (f" at revision '{revision}'" if revision else "")
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"model {where} cannot be fetched ({reason}); {OFFLINE_HINT}") from exc
    match = _SNAPSHOT.search(Path(config_path).as_posix())
    return ModelLocation(
        source=repo_id,
        folder=Path(config_path).parent,
        repo_id=repo_id,
        commit=match.group(1) if match else None,
        revision=revision,
    )
