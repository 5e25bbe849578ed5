"""``modalbench run``: evaluate models on tasks, write RunRecords, print a table."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    return key.strip(), value.strip()


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1], got {text!r}") from exc
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1], got {text!r}")
    return value


def add_parser(subparsers: Any) -> None:
    """Register ``run``."""
    p = subparsers.add_parser(
        "run",
        help="evaluate models on tasks (no arguments: the embedded default)",
        description=(
            "Evaluate models on tasks. With no --task and no --model, runs the embedded "
            "default: every shapes task on every bundled reference model, offline, on CPU."
        ),
    )
    p.add_argument(
        "--task", action="append", dest="tasks", metavar="T", help="task name (repeatable)"
    )
    p.add_argument(
        "--model",
        action="append",
        dest="models",
        metavar="M",
        help="ref:NAME, hf:ID_OR_PATH, openclip:ARCH/PRETRAINED or openclip:local-dir:PATH",
    )
    p.add_argument(
        "--model-arg",
        action="append",
        type=_key_value,
        default=[],
        metavar="KEY=VALUE",
        help="adapter setting applied to every --model (dtype, revision, max_new_tokens...)",
    )
    p.add_argument("--limit", type=int, metavar="N", help="evaluate only the first N samples")
    p.add_argument("--batch-size", type=int, default=32, metavar="B")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default auto)")
    p.add_argument("--dtype", default="auto", help="auto, fp32, bf16 or fp16 (default auto)")
    p.add_argument(
        "--decode",
        choices=("auto", "cpu", "gpu"),
        default="auto",
        help="decode images with PIL in loader workers (cpu) or with torchvision on the "
        "device (gpu: resize/crop/normalise models only); auto: gpu on CUDA when possible",
    )
    p.add_argument("--data-dir", type=Path, metavar="DIR", help="local copy of the datasets")
    p.add_argument(
        "--out",
        type=Path,
        default=Path("results"),
        metavar="DIR",
        help="results folder (default ./results)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="do not read or write the prediction cache or reuse finished evaluations",
    )
    p.add_argument("--seed", type=int, default=0, metavar="S")
    p.add_argument(
        "--num-workers",
        type=int,
        metavar="N",
        help="DataLoader workers (default: spare cores, max 4)",
    )
    p.add_argument(
        "--max-failures",
        type=_fraction,
        default=0.01,
        metavar="FRACTION",
        help="exit 1 when more than this share of a run's samples fail (default 0.01)",
    )
    p.add_argument(
        "--bootstrap", type=int, default=1000, metavar="N", help="bootstrap resamples for CIs"
    )
    p.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="allow Hugging Face models to run code from their repository",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run the evaluation; exit 1 when a run exceeds --max-failures."""
    from bench.report.table import render_table
    from bench.runner.api import run
    from bench.runner.executor import failure_fraction
    from bench.runner.plan import RunConfig

    logging.basicConfig(level=logging.INFO, format="modalbench: %(message)s", stream=sys.stderr)
    config = RunConfig(
        batch_size=args.batch_size,
        device=args.device,
        dtype=args.dtype,
        decode=args.decode,
        data_dir=args.data_dir,
        out=args.out,
        limit=args.limit,
        seed=args.seed,
        use_cache=not args.no_cache,
        num_workers=args.num_workers,
        max_failures=args.max_failures,
        bootstrap=args.bootstrap,
        progress=not args.quiet,
        trust_remote_code=args.trust_remote_code,
        model_args=dict(args.model_arg),
    )
    from bench.errors import RunIncompleteError

    incomplete: RunIncompleteError | None = None
    try:
        records = run(args.tasks, args.models, config)
    except RunIncompleteError as exc:  # the finished evaluations still get their table
        incomplete, records = exc, exc.records
    if int(os.environ.get("RANK", "0")) != 0:
        return 0  # under torchrun, rank 0 reports for everyone
    if records:
        print(render_table(records, fmt="md", include_partial=True))
    if incomplete is not None:
        for aborted in incomplete.aborted:
            print(f"modalbench: error: {aborted}", file=sys.stderr)
        return 2
    status = 0
    for record in records:
        share = failure_fraction(record.n_failed, record.task.n_samples)
        if share > config.max_failures:
            print(
                f"modalbench: {record.task.name} / {record.model.spec}: {record.n_failed} of "
                f"{record.task.n_samples} samples failed ({share:.1%} > --max-failures "
                f"{config.max_failures:.1%}); see errors in the record",
                file=sys.stderr,
            )
            status = 1
    return status
