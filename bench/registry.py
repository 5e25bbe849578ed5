"""Name resolution through entry points.

Built-in tasks and models register exactly as third-party plugins do: a distribution
declares ``modalbench.tasks`` entries pointing at :class:`~bench.tasking.TaskProvider`
objects and ``modalbench.models`` entries (named by model scheme) pointing at
:class:`~bench.adapters.base.ModelProvider` objects. Loading an entry imports only the
provider's light module; weights and torch load later, in ``ModelHandle.load``.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import EntryPoint, entry_points

from bench.adapters.base import ModelHandle, ModelInfo, ModelProvider, ModelSpec
from bench.errors import UsageError
from bench.tasking import Task, TaskInfo, TaskProvider

TASK_GROUP = "modalbench.tasks"
MODEL_GROUP = "modalbench.models"


def suggest(name: str, candidates: Iterable[str], *, n: int = 3) -> str:
    """A ``did you mean ...?`` suffix for an unknown name, or an empty string."""
    close = difflib.get_close_matches(name, list(candidates), n=n, cutoff=0.5)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


#: Plugins whose entry point failed to import: one broken plugin must not break the others.
BROKEN: dict[str, str] = {}


def _load(entry: EntryPoint, group: str) -> object | None:
    try:
        loaded: object = entry.load()
        return loaded
    except Exception as exc:
        message = (
            f"plugin entry point '{entry.name} = {entry.value}' in group '{group}' "
            f"failed to load: {type(exc).__name__}: {exc}"
        )
        if f"{group}:{entry.name}" not in BROKEN:
            warnings.warn(message, stacklevel=2)
        BROKEN[f"{group}:{entry.name}"] = message
        return None


def _broken_hint(group: str) -> str:
    broken = [m for k, m in BROKEN.items() if k.startswith(f"{group}:")]
    return f" (note: {'; '.join(broken)})" if broken else ""


@dataclass(frozen=True)
class _TaskEntry:
    info: TaskInfo
    provider: TaskProvider


@lru_cache(maxsize=1)
def _task_entries() -> dict[str, _TaskEntry]:
    entries: dict[str, _TaskEntry] = {}
    for entry in sorted(entry_points(group=TASK_GROUP), key=lambda e: e.name):
        provider = _load(entry, TASK_GROUP)
        if provider is None:
            continue
        if not hasattr(provider, "list_tasks") or not hasattr(provider, "build"):
            raise UsageError(
                f"plugin entry point '{entry.name} = {entry.value}' is not a task provider "
                "(it needs list_tasks() and build(name))"
            )
        for info in provider.list_tasks():
            if info.name in entries:
                other = entries[info.name].info.provider
                raise UsageError(
                    f"task '{info.name}' is registered twice (by '{other}' and '{entry.name}')"
                )
            entries[info.name] = _TaskEntry(info, provider)
    return entries


@lru_cache(maxsize=1)
def _model_providers() -> dict[str, ModelProvider]:
    providers: dict[str, ModelProvider] = {}
    for entry in sorted(entry_points(group=MODEL_GROUP), key=lambda e: e.name):
        provider = _load(entry, MODEL_GROUP)
        if provider is None:
            continue
        if not hasattr(provider, "resolve") or not hasattr(provider, "known_models"):
            raise UsageError(
                f"plugin entry point '{entry.name} = {entry.value}' is not a model provider "
                "(it needs known_models() and resolve(spec))"
            )
        providers[entry.name] = provider
    return providers


def refresh() -> None:
    """Forget cached entry points (after installing a plugin in-process, in tests)."""
    BROKEN.clear()
    _task_entries.cache_clear()
    _model_providers.cache_clear()


def list_tasks() -> list[TaskInfo]:
    """Every registered task, sorted by family then name."""
    return sorted((e.info for e in _task_entries().values()), key=lambda i: (i.family, i.name))


def task_info(name: str) -> TaskInfo:
    """The registry line of one task; UsageError with suggestions when unknown."""
    entries = _task_entries()
    if name not in entries:
        raise UsageError(f"unknown task '{name}'{suggest(name, entries)}{_broken_hint(TASK_GROUP)}")
    return entries[name].info


def build_task(name: str) -> Task:
    """Build a registered task by name; UsageError with suggestions when unknown."""
    task_info(name)
    return _task_entries()[name].provider.build(name)


def list_models() -> list[ModelInfo]:
    """Every model the providers know by name (open-ended schemes list none)."""
    models: list[ModelInfo] = []
    for provider in _model_providers().values():
        models.extend(provider.known_models())
    return sorted(models, key=lambda m: m.spec)


def model_schemes() -> Sequence[str]:
    """The registered model schemes (``ref``, ``hf``, ``openclip``, plugins...)."""
    return sorted(_model_providers())


def resolve_model(spec: ModelSpec) -> ModelHandle:
    """Resolve a spec to a handle; UsageError with suggestions for an unknown scheme/name."""
    providers = _model_providers()
    provider = providers.get(spec.scheme)
    if provider is None:
        known = [m.spec for m in list_models()] + [f"{s}:" for s in providers]
        raise UsageError(
            f"unknown model '{spec.text}': no provider for scheme '{spec.scheme}'"
            f"{suggest(spec.text, known)} (schemes: {', '.join(sorted(providers))})"
            f"{_broken_hint(MODEL_GROUP)}"
        )
    return provider.resolve(spec)
