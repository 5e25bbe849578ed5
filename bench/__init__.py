"""modalbench: benchmark and evaluation suite for multimodal (image + text) models.

The Python API mirrors the command line; heavy modules load on first use so that
``import bench`` stays instant::

    import bench
    records = bench.run(tasks=["shapes-retrieval"], models=["ref:shapes-clip"])
    report = bench.score("vqa", predictions, references)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "run": "bench.runner.api",
    "score": "bench.scoring",
    "compare": "bench.report.compare",
    "table": "bench.report.table",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'bench' has no attribute {name!r}")
    return getattr(importlib.import_module(module_name), name)


__all__ = ["__version__", "compare", "run", "score", "table"]
