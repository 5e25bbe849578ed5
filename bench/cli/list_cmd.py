"""``modalbench list tasks|models``: what is registered (no model code imported)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> None:
    """Register ``list``."""
    p = subparsers.add_parser("list", help="list registered tasks or models")
    p.add_argument("what", choices=["tasks", "models"])
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print one aligned line per task or model."""
    from bench import registry

    rows: list[tuple[str, ...]]
    header: tuple[str, ...]
    if args.what == "tasks":
        rows = [
            (t.name, t.family, "" if t.size is None else f"{t.size:,}", t.description)
            for t in registry.list_tasks()
        ]
        header = ("TASK", "FAMILY", "SIZE", "DESCRIPTION")
    else:
        rows = [(m.spec, ", ".join(m.capabilities), m.description) for m in registry.list_models()]
        schemes = ", ".join(f"{s}:" for s in registry.model_schemes())
        header = ("MODEL", "CAPABILITIES", "DESCRIPTION")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [str(c).ljust(w) for c, w in zip(row, widths, strict=False)]
        print("  ".join([*cells, str(row[-1])]).rstrip())
    if args.what == "models":
        print(f"\nschemes: {schemes} (any Hugging Face id or path works with hf:)")
    return 0
