"""``modalbench score captioning`` as a whole process against pycocoevalcap's whole process.

Run: ``python -m pytest benchmarks/test_score_process.py -p no:cacheprovider``.

Both sides start a fresh Python process on the same files (5,000 images x 5 references in
COCO format, mixed case, punctuation, contractions and numbers): pycocoevalcap's
``PTBTokenizer`` (the Java jar) on references and predictions, then ``Cider`` (CIDEr-D);
modalbench's console script with ``--metrics CIDEr --bootstrap 0 --json`` (pycocoevalcap
computes no confidence intervals; the default run, with 1,000 bootstrap resamples, is
timed as well and reported beside it). The rounds alternate the sides so that load from
other jobs falls on both; the summary prints the median wall time of each, the ratio and
whether the goal (pycocoevalcap's time >= 10x modalbench's) is met, and the child CPU time
of each (less sensitive to a busy machine). Both must print the same CIDEr to 1e-9.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SUMMARY
from metric_corpora import caption_corpus

ROUNDS = 7
GOAL = 10.0

REFERENCE_SCRIPT = """
import json, sys
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

predictions, references = sys.argv[1], sys.argv[2]
with open(references) as f:
    annotations = json.load(f)["annotations"]
with open(predictions) as f:
    results = json.load(f)
gts = {}
for a in annotations:
    gts.setdefault(a["image_id"], []).append({"caption": a["caption"]})
res = {r["image_id"]: [{"caption": r["caption"]}] for r in results}
tokenizer = PTBTokenizer()
gts, res = tokenizer.tokenize(gts), tokenizer.tokenize(res)
print(json.dumps({"CIDEr": float(Cider().compute_score(gts, res)[0])}))
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(predictions, references, reference script) for 5,000 images x 5 references."""
    folder = tmp_path_factory.mktemp("score_process")
    refs, preds = caption_corpus(5000, 5, seed=1, odd=0.3, oddities=0.02)
    annotations = [{"image_id": i, "caption": c} for i, caps in refs.items() for c in caps]
    references = folder / "references.json"
    references.write_text(json.dumps({"annotations": annotations}))
    predictions = folder / "predictions.json"
    predictions.write_text(json.dumps([{"image_id": i, "caption": p} for i, p in preds.items()]))
    script = folder / "pycocoevalcap_cider.py"
    script.write_text(REFERENCE_SCRIPT)
    return predictions, references, script


def _modalbench() -> list[str]:
    """The installed console script (what a user runs), else ``python -m``."""
    script = Path(sys.executable).with_name("modalbench")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bench.cli.main"]


def _timed(command: list[str]) -> tuple[float, float, str]:
    """(wall s, child CPU s, stdout) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def test_score_captioning_whole_process_vs_pycocoevalcap(benchmark, files) -> None:
    predictions, references, script = files
    ours = [*_modalbench(), "score", "captioning", "--predictions", str(predictions)]
    ours += ["--references", str(references), "--metrics", "CIDEr", "--json"]
    reference = [sys.executable, str(script), str(predictions), str(references)]
    times: dict[str, list[tuple[float, float]]] = {"ours": [], "default": [], "reference": []}
    values: dict[str, float] = {}

    def one_round() -> None:
        wall, cpu, out = _timed(reference)
        times["reference"].append((wall, cpu))
        values["reference"] = json.loads(out)["CIDEr"]
        wall, cpu, out = _timed([*ours, "--bootstrap", "0"])
        times["ours"].append((wall, cpu))
        values["ours"] = json.loads(out)["CIDEr"]
        wall, cpu, out = _timed(ours)  # the default: 1,000 bootstrap resamples for the CI
        times["default"].append((wall, cpu))
        values["default"] = json.loads(out)["CIDEr"]

    benchmark.pedantic(one_round, rounds=ROUNDS, iterations=1, warmup_rounds=1)
    assert abs(values["ours"] - values["reference"]) <= 1e-9
    assert values["default"] == values["ours"]
    wall = {side: statistics.median(t[0] for t in runs) for side, runs in times.items()}
    cpu = {side: statistics.median(t[1] for t in runs) for side, runs in times.items()}
    benchmark.extra_info.update({"median_wall_s": wall, "median_cpu_s": cpu})
    ratio = wall["reference"] / wall["ours"]
    verdict = "met" if ratio >= GOAL else "NOT met"
    SUMMARY.extend(
        [
            f"score captioning, 5000 x 5, whole process, median of {ROUNDS} alternating rounds:",
            f"  pycocoevalcap (PTBTokenizer + Cider)      {wall['reference']:6.3f} s wall "
            f"{cpu['reference']:6.3f} s CPU   CIDEr {values['reference']!r}",
            f"  modalbench --metrics CIDEr --bootstrap 0  {wall['ours']:6.3f} s wall "
            f"{cpu['ours']:6.3f} s CPU   CIDEr {values['ours']!r}",
            f"  modalbench --metrics CIDEr (1000 CIs)     {wall['default']:6.3f} s wall "
            f"{cpu['default']:6.3f} s CPU",
            f"  wall ratio x{ratio:.1f} (goal >= x{GOAL:.0f}: {verdict})"
            f"; CPU ratio x{cpu['reference'] / cpu['ours']:.1f}; with CIs x"
            f"{wall['reference'] / wall['default']:.1f}",
        ]
    )
