"""Entry point of the ``modalbench`` console script.

Each subcommand lives in its own module exposing ``add_parser(subparsers)``; the module is
imported only when the command line names it, so ``modalbench score`` never imports torch.
User errors (:class:`bench.errors.UsageError`) print one line and exit 2; anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from bench.errors import UsageError

#: subcommand -> (module, one-line help). Modules are imported lazily.
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("bench.cli.run_cmd", "evaluate models on tasks (no arguments: the embedded default)"),
    "list": ("bench.cli.list_cmd", "list registered tasks or models"),
    "score": ("bench.cli.score_cmd", "score a predictions file against references"),
    "table": ("bench.cli.table_cmd", "print the latest results as a model x task table"),
    "compare": ("bench.cli.compare_cmd", "regression gate: compare two runs or results folders"),
    "leaderboard": ("bench.cli.leaderboard_cmd", "build a static leaderboard site"),
    "data": ("bench.cli.data_cmd", "check that a benchmark's data is present and complete"),
    "train-reference": (
        "bench.cli.train_reference_cmd",
        "retrain the bundled reference models from a seed",
    ),
}


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage already; keep its message on one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = _Parser(prog="modalbench", description="Evaluate multimodal models.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    requested = next((a for a in argv if not a.startswith("-")), None)
    for name, (module_name, help_text) in COMMANDS.items():
        if requested == name:
            module = importlib.import_module(module_name)
            module.add_parser(sub)
        else:
            sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser(args_list)
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:  # argparse: --help (0) or bad usage (2)
        return exc.code if isinstance(exc.code, int) else 2
    if args.command is None:
        parser.print_help()
        return 2
    handler = getattr(args, "handler", None)
    if handler is None:  # a lazily-registered stub parser: the command was not imported
        parser.error(f"unknown command {args.command!r}")
    try:
        return int(handler(args))
    except UsageError as exc:
        print(f"modalbench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("modalbench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
