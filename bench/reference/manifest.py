"""The manifest of bundled reference models (``models.toml``): what each ``ref:NAME`` is.

Two kinds of entry: ``checkpoint`` models are Hugging Face folders under ``checkpoints/``
served by the same adapters as ``hf:PATH``; ``probe`` models are sentiment heads fitted at
evaluation time on the frozen features of a checkpoint model. Reading the manifest imports
nothing heavy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bench.errors import UsageError
from bench.toml_compat import toml_reader

REFERENCE_DIR = Path(__file__).resolve().parent
MANIFEST_PATH = REFERENCE_DIR / "models.toml"
CHECKPOINTS_DIR = REFERENCE_DIR / "checkpoints"
KINDS = ("checkpoint", "probe")


@dataclass(frozen=True)
class ProbeSpec:
    """A sentiment head over a checkpoint model's frozen features.

    Attributes:
        base: the checkpoint entry whose features are used (``shapes-clip``).
        fusion: ``early``, ``late``, ``hybrid``, ``cross-attention``, ``text`` or ``image``.
        options: the head's settings from the manifest (``C``, ``max_iter``, ``epochs``...).
    """

    base: str
    fusion: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReferenceModel:
    """One manifest entry."""

    name: str
    description: str
    kind: str
    capabilities: tuple[str, ...]
    intended_tasks: tuple[str, ...]
    checkpoint: str | None = None
    probe: ProbeSpec | None = None

    @property
    def spec(self) -> str:
        """``ref:NAME``."""
        return f"ref:{self.name}"

    def folder(self, root: Path = CHECKPOINTS_DIR) -> Path:
        """The checkpoint folder of a ``checkpoint`` entry."""
        if self.checkpoint is None:
            raise UsageError(f"ref:{self.name} is not a checkpoint model")
        return root / self.checkpoint


def _strings(entry: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{where}: field '{key}' must be a list of strings")
    return tuple(value)


def _text(entry: Mapping[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise UsageError(f"{where}: field '{key}' must be a non-empty string")
    return value


def _entry(raw: Mapping[str, Any], index: int, path: Path) -> ReferenceModel:
    where = f"{path} (model {index + 1})"
    name = _text(raw, "name", where)
    where = f"{path} (model '{name}')"
    kind = _text(raw, "kind", where)
    if kind not in KINDS:
        raise UsageError(f"{where}: field 'kind' must be one of {', '.join(KINDS)}")
    probe = None
    checkpoint = None
    if kind == "checkpoint":
        checkpoint = _text(raw, "checkpoint", where)
    else:
        table = raw.get("probe")
        if not isinstance(table, dict):
            raise UsageError(f"{where}: a probe model needs a [model.probe] table")
        options = {k: v for k, v in table.items() if k not in ("base", "fusion")}
        probe = ProbeSpec(_text(table, "base", where), _text(table, "fusion", where), options)
    return ReferenceModel(
        name=name,
        description=_text(raw, "description", where),
        kind=kind,
        capabilities=_strings(raw, "capabilities", where),
        intended_tasks=_strings(raw, "intended_tasks", where),
        checkpoint=checkpoint,
        probe=probe,
    )


def read_manifest(path: Path = MANIFEST_PATH) -> dict[str, ReferenceModel]:
    """Every entry of a manifest file by name, checked field by field."""
    try:
        data = toml_reader.loads(path.read_text(encoding="utf-8"))
    except (OSError, toml_reader.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the reference model manifest ({exc})") from exc
    entries = data.get("model")
    if not isinstance(entries, list):
        raise UsageError(f"{path}: expected [[model]] tables")
    models: dict[str, ReferenceModel] = {}
    for index, raw in enumerate(entries):
        model = _entry(raw, index, path)
        if model.name in models:
            raise UsageError(f"{path}: model '{model.name}' is listed twice")
        models[model.name] = model
    for model in models.values():
        if model.probe is not None:
            base = models.get(model.probe.base)
            if base is None or base.kind != "checkpoint":
                raise UsageError(
                    f"{path}: probe '{model.name}' needs checkpoint model '{model.probe.base}'"
                )
    return models


@lru_cache(maxsize=1)
def bundled_models() -> dict[str, ReferenceModel]:
    """The bundled manifest (read once)."""
    return read_manifest()
