"""``modalbench data check TASK [--data-dir DIR]``: is a benchmark's data all there?
``modalbench data download TASK``: fetch a task's pinned hub files for offline use.

Prints the source used, each expected file and folder, the sample counts against the
card, missing image files, the fingerprint, and where to get anything that is missing.
Exit 0 when complete; 2 (with the first problem on stderr) otherwise.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench.errors import UsageError


def add_parser(subparsers: Any) -> None:
    """Register ``data`` and its ``check`` subcommand."""
    p = subparsers.add_parser("data", help="check that a benchmark's data is present and complete")
    sub = p.add_subparsers(dest="data_command", metavar="SUBCOMMAND", required=True)
    check = sub.add_parser(
        "check",
        help="verify presence, counts and fingerprint of a task's data",
        description=(
            "Verify that a task's data is present and complete: the files of the original "
            "layout under --data-dir (or the pinned hub dataset without it), the sample "
            "counts, the image files, and the fingerprint a run would record."
        ),
    )
    check.add_argument("task", help="a registered task name (see `modalbench list tasks`)")
    check.add_argument("--data-dir", type=Path, default=None, help="the local copy to check")
    check.set_defaults(handler=handle_check)
    download = sub.add_parser(
        "download",
        help="download a task's pinned hub files into the Hugging Face hub cache",
        description=(
            "Download exactly the files a task's hub source reads, at the pinned revision, "
            "into the Hugging Face hub cache ($HF_HUB_CACHE or $HF_HOME/hub): run it where "
            "there is network, then evaluate offline with HF_HUB_OFFLINE=1."
        ),
    )
    download.add_argument("task", help="a registered task name with a hub source")
    download.set_defaults(handler=handle_download)


def _card(name: str) -> Any:
    """The dataset card behind a task (built-in cards are read without building the task)."""
    from bench import registry
    from modalbench_tasks.catalog import BUILTIN_TASKS

    registry.task_info(name)
    if name in BUILTIN_TASKS.cards:
        return BUILTIN_TASKS.cards[name]
    card = getattr(registry.build_task(name), "card", None)
    if card is None:
        raise UsageError(f"task '{name}' is not backed by a dataset card; nothing to check")
    return card


def _print_report(report: Any) -> None:
    print(f"task: {report.task} ({report.family})")
    print(f"source: {report.source}")
    for status in report.entries:
        entry = status.entry
        mark = "ok" if status.present else "MISSING"
        suffix = "/" if entry.is_dir else ""
        line = f"  [{mark:7}] {entry.relative}{suffix}"
        if not status.present and entry.download:
            line += f"  <- get it from {entry.download}"
        if status.level_note:
            line += f"  ({status.level_note})"
        print(line)
    for split in report.splits:
        expected = "?" if split.expected is None else f"{split.expected:,}"
        verdict = "ok" if split.expected in (None, split.found) else "MISMATCH"
        print(f"split {split.split}: {split.found:,} samples (expected {expected}) {verdict}")
        print(f"  missing image files: {split.n_missing_images:,}")
        for name in split.missing_images:
            print(f"    {name}")
        for error in split.load_errors:
            print(f"  unusable sample {error}")
        print(f"  fingerprint: {split.fingerprint}")
    if report.alternatives:
        lead = "or download" if report.source.startswith("hub") else "download"
        print(f"{lead} the original layout and pass --data-dir DIR with:")
        for entry in report.alternatives:
            where = f"  <- {entry.download}" if entry.download else ""
            print(f"  {entry.relative}{'/' if entry.is_dir else ''}{where}")
    for caveat in report.caveats:
        print(f"note: {caveat}")
    print("status: complete" if report.complete else "status: INCOMPLETE")


def handle_check(args: argparse.Namespace) -> int:
    """Check one task's data; exit 2 naming the first problem when incomplete."""
    from bench.data.sources.check import check_data

    if args.data_dir is not None and not args.data_dir.is_dir():
        raise UsageError(f"--data-dir {args.data_dir}: no such directory")
    report = check_data(_card(args.task), args.data_dir)
    _print_report(report)
    if not report.complete:
        raise UsageError(report.problems[0])
    return 0


def handle_download(args: argparse.Namespace) -> int:
    """Download the files a task's hub source reads into the Hugging Face hub cache."""
    from bench.data.sources.hub_cache import (
        card_hub_splits,
        download_command,
        download_snapshot,
        source_files,
    )

    card = _card(args.task)
    spec = card.sources.get("hub")
    if spec is None:
        raise UsageError(
            f"{card.name} has no hub copy: download the original files and pass --data-dir "
            f"(`modalbench data check {card.name}` lists them)"
        )
    ident, revision, patterns = source_files(spec.options, card_hub_splits(card, spec))
    print(f"downloading: {download_command(ident, revision, patterns)}")
    try:
        folder = download_snapshot(ident, revision, patterns)
    except (OSError, ValueError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"{ident}@{revision}: download failed ({detail})") from exc
    print(f"hub cache snapshot: {folder}")
    print(f"check it with: modalbench data check {card.name}")
    return 0
