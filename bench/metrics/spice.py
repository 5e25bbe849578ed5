"""SPICE through pycocoevalcap's jar, only where its Stanford CoreNLP models are installed.

pycocoevalcap ships ``spice-1.0.jar`` but not the CoreNLP 3.6.0 jars it needs (its
``get_stanford_models`` downloads them into ``spice/lib``). :func:`spice_unavailable` says
why SPICE cannot run; callers skip the metric with that reason. The corpus SPICE of
pycocoevalcap is the mean of the per-image "All" F-scores, so per-image scores use the
``MEAN`` aggregator.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.metrics.base import FloatArray
from bench.metrics.java_tools import JavaUnavailableError, java_executable, spice_jar

_MODELS = ("stanford-corenlp-3.6.0.jar", "stanford-corenlp-3.6.0-models.jar")


def spice_unavailable() -> str | None:
    """Why SPICE cannot run here (None when it can)."""
    if java_executable() is None:
        return "no `java` executable on PATH"
    try:
        jar = spice_jar()
    except JavaUnavailableError as exc:
        return str(exc)
    missing = [name for name in _MODELS if not (jar.parent / "lib" / name).exists()]
    if missing:
        return (
            # Package-relative: the reason is stored in RunRecords, which get shared.
            "SPICE needs the Stanford CoreNLP 3.6.0 models in pycocoevalcap/spice/lib "
            f"(missing {', '.join(missing)}; pycocoevalcap's get_stanford_models fetches them)"
        )
    return None


def parse_spice_output(records: Sequence[dict[str, Any]], image_ids: Sequence[str]) -> FloatArray:
    """Per-image "All" F-scores from the jar's JSON output, in ``image_ids`` order."""
    by_id = {str(r["image_id"]): float(r["scores"]["All"]["f"]) for r in records}
    missing = [i for i in image_ids if i not in by_id]
    if missing:
        raise RuntimeError(f"SPICE returned no score for image {missing[0]!r}")
    return np.array([by_id[i] for i in image_ids], dtype=np.float64)


def spice_scores(
    image_ids: Sequence[str], hypotheses: Sequence[str], references: Sequence[Sequence[str]]
) -> FloatArray:
    """Per-image SPICE F-scores of tokenized captions (one JVM for the whole call)."""
    reason = spice_unavailable()
    if reason is not None:
        raise JavaUnavailableError(reason)
    java = java_executable()
    assert java is not None
    jar = spice_jar()
    payload = [
        {"image_id": image_id, "test": hyp, "refs": list(refs)}
        for image_id, hyp, refs in zip(image_ids, hypotheses, references, strict=True)
    ]
    with tempfile.TemporaryDirectory(prefix="modalbench-spice-") as tmp:
        source, target = Path(tmp) / "in.json", Path(tmp) / "out.json"
        source.write_text(json.dumps(payload), encoding="utf-8")
        done = subprocess.run(
            [
                java,
                "-jar",
                "-Xmx8G",
                str(jar),
                str(source),
                "-cache",
                str(Path(tmp) / "cache"),
                "-out",
                str(target),
                "-subset",
                "-silent",
            ],
            cwd=jar.parent,
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError("the SPICE jar failed: " + done.stderr.decode("utf-8", "replace"))
        records = json.loads(target.read_text(encoding="utf-8"))
    return parse_spice_output(records, [str(i) for i in image_ids])
