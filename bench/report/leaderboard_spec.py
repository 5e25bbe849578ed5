"""Leaderboard specs: TOML files under ``leaderboards/`` naming columns, aggregate and order.

Format (``docs/leaderboards.md`` has the details)::

    title = "..."
    description = "..."            # optional
    [aggregate]                    # optional; kind "mean-rank" (default) or "normalized-mean"
    kind = "mean-rank"
    [sort]                         # optional; by "aggregate" (default), "throughput" or a column id
    by = "aggregate"
    order = "asc"                  # optional; default: the natural direction
    [models]                       # optional filter (fnmatch patterns) and display names
    include = ["ref:*"]
    exclude = []
    names = { "ref:shapes-clip" = "Shapes CLIP" }
    [[columns]]                    # one or more
    task = "shapes-retrieval"
    metric = "t2i_R@1"
    label = "T->I R@1"             # optional; id, scale, digits, range optional too
    [[reported]]                   # published numbers, on the RunRecord's scale
    model = "..."; task = "..."; metric = "..."; value = 0.5; source = "citation"
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.errors import UsageError
from bench.toml_compat import load_toml

AGGREGATES = {"mean-rank": "Mean rank", "normalized-mean": "Mean normalized score"}
SORT_KEYS = ("aggregate", "throughput")
ORDERS = ("asc", "desc")


@dataclass(frozen=True)
class Column:
    """One leaderboard column: a metric of a task, and how to display it."""

    id: str
    task: str
    metric: str
    label: str
    scale: float = 1.0
    digits: int = 3
    bounds: tuple[float, float] | None = None


@dataclass(frozen=True)
class Reported:
    """A published number, with where it was published."""

    model: str
    task: str
    metric: str
    value: float
    source: str


@dataclass(frozen=True)
class ModelFilter:
    """Which models a leaderboard shows, and under which names."""

    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    names: Mapping[str, str] = field(default_factory=dict)

    def accepts(self, spec: str) -> bool:
        """Whether ``spec`` matches an include pattern and no exclude pattern."""
        included = any(fnmatch.fnmatchcase(spec, p) for p in self.include)
        return included and not any(fnmatch.fnmatchcase(spec, p) for p in self.exclude)

    def display(self, spec: str) -> str:
        """The display name of a model (its spec unless the leaderboard renames it)."""
        return self.names.get(spec, spec)


@dataclass(frozen=True)
class LeaderboardSpec:
    """A parsed leaderboard spec."""

    title: str
    description: str
    columns: tuple[Column, ...]
    aggregate: str
    sort_by: str
    sort_order: str | None
    models: ModelFilter
    reported: tuple[Reported, ...]
    path: Path

    @property
    def aggregate_label(self) -> str:
        """The aggregate's column header."""
        return AGGREGATES[self.aggregate]


class _Table:
    """A TOML table being validated: typed getters that name the file and field on error."""

    def __init__(self, data: Any, path: Path, where: str, allowed: set[str]) -> None:
        if not isinstance(data, dict):
            raise UsageError(f"{path}: field '{where or '$'}' must be a table")
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise UsageError(f"{path}: unknown field '{self._join(where, unknown[0])}'")
        self.data, self.path, self.where = data, path, where

    @staticmethod
    def _join(where: str, key: str) -> str:
        return f"{where}.{key}" if where else key

    def fail(self, key: str, expected: str) -> UsageError:
        """An error naming the field and what it must be."""
        return UsageError(f"{self.path}: field '{self._join(self.where, key)}' must be {expected}")

    def text(self, key: str, default: str | None = None) -> str:
        """A string field (required when ``default`` is None)."""
        value = self.data.get(key, default)
        if value is None:
            raise UsageError(f"{self.path}: missing field '{self._join(self.where, key)}'")
        if not isinstance(value, str):
            raise self.fail(key, "a string")
        return value

    def number(self, key: str, default: float | None = None) -> float:
        """A numeric field (required when ``default`` is None)."""
        value = self.data.get(key, default)
        if value is None:
            raise UsageError(f"{self.path}: missing field '{self._join(self.where, key)}'")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, "a number")
        return float(value)

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """A list of strings."""
        value = self.data.get(key, list(default))
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "a list of strings")
        return tuple(value)


def _column(data: Any, path: Path, i: int) -> Column:
    t = _Table(
        data, path, f"columns[{i}]", {"id", "task", "metric", "label", "scale", "digits", "range"}
    )
    task, metric = t.text("task"), t.text("metric")
    digits = t.number("digits", 3)
    if digits != int(digits) or not 0 <= digits <= 8:
        raise t.fail("digits", "an integer from 0 to 8")
    bounds = t.data.get("range")
    if bounds is not None:
        ok = isinstance(bounds, list) and len(bounds) == 2
        ok = ok and all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds)
        if not ok or bounds[0] == bounds[1]:
            raise t.fail("range", "two different numbers [low, high]")
        bounds = (float(bounds[0]), float(bounds[1]))
    return Column(
        id=t.text("id", f"{task}/{metric}"),
        task=task,
        metric=metric,
        label=t.text("label", f"{task} {metric}"),
        scale=t.number("scale", 1.0),
        digits=int(digits),
        bounds=bounds,
    )


def _reported(data: Any, path: Path, i: int) -> Reported:
    t = _Table(data, path, f"reported[{i}]", {"model", "task", "metric", "value", "source"})
    return Reported(
        t.text("model"), t.text("task"), t.text("metric"), t.number("value"), t.text("source")
    )


def _models(data: Any, path: Path) -> ModelFilter:
    t = _Table(data, path, "models", {"include", "exclude", "names"})
    names = t.data.get("names", {})
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise t.fail("names", "a table of strings")
    return ModelFilter(t.strings("include", ("*",)), t.strings("exclude", ()), dict(names))


def _list_of_tables(data: Mapping[str, Any], key: str, path: Path) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise UsageError(f"{path}: field '{key}' must be an array of tables ([[{key}]])")
    return value


def parse_spec(data: Mapping[str, Any], path: Path) -> LeaderboardSpec:
    """Validate a spec's TOML content; errors name the file and the field."""
    allowed = {"title", "description", "aggregate", "sort", "models", "columns", "reported"}
    top = _Table(dict(data), path, "", allowed)
    columns = tuple(
        _column(c, path, i) for i, c in enumerate(_list_of_tables(data, "columns", path))
    )
    if not columns:
        raise UsageError(f"{path}: field 'columns' must list at least one [[columns]] table")
    ids = [c.id for c in columns]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate is not None:
        raise UsageError(f"{path}: column id '{duplicate}' is used twice (set columns.id)")
    aggregate = _Table(data.get("aggregate", {}), path, "aggregate", {"kind"})
    kind = aggregate.text("kind", "mean-rank")
    if kind not in AGGREGATES:
        raise aggregate.fail("kind", " or ".join(f'"{k}"' for k in AGGREGATES))
    sort = _Table(data.get("sort", {}), path, "sort", {"by", "order"})
    by = sort.text("by", "aggregate")
    if by not in (*SORT_KEYS, *ids):
        raise sort.fail("by", f"one of {', '.join((*SORT_KEYS, *ids))}")
    order = sort.data.get("order")
    if order is not None and order not in ORDERS:
        raise sort.fail("order", '"asc" or "desc"')
    return LeaderboardSpec(
        title=top.text("title"),
        description=top.text("description", ""),
        columns=columns,
        aggregate=kind,
        sort_by=by,
        sort_order=order,
        models=_models(data.get("models", {}), path),
        reported=tuple(
            _reported(r, path, i) for i, r in enumerate(_list_of_tables(data, "reported", path))
        ),
        path=path,
    )


def load_spec(path: Path) -> LeaderboardSpec:
    """Read and validate a spec file."""
    return parse_spec(load_toml(path, "leaderboard spec"), path)


def resolve_spec_path(text: str, search: Path = Path("leaderboards")) -> Path:
    """A spec path as given, or a bare name (``shapes``) looked up in ``leaderboards/``."""
    path = Path(text)
    if path.exists() or path.suffix or len(path.parts) > 1:
        return path
    named = search / f"{text}.toml"
    return named if named.exists() else path
