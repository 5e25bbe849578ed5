"""A broken model is an error, never a score: which failures abort an evaluation or the run.

The models are variants of the badcases plugin's colour oracle (see its module docstring):
one crashes on every call, one raises a UsageError inside the call, one returns one output
too few, one fails as a process does after a CUDA device-side assert, and one fails only on
batches holding a pink image (a fault of one kind of input, which stays per-sample).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

import bench
from bench.cli.main import main
from bench.errors import EvaluationAbortError, RunAbortError, RunIncompleteError
from bench.records.io import find_runs, read_record, read_rows

CARD = """name = "{name}"
family = "vqa"
description = "clean colours"
license = "CC0-1.0"
split = "test"

[source.local]
kind = "jsonl"
[source.local.files]
annotations = "{file}"
"""
COLOURS = ["red", "green", "blue", "yellow", "pink", "orange", "purple", "teal", "navy"]


@pytest.fixture
def colour_task(badcases: Path, tmp_path: Path) -> Path:
    """VQA cards over 18 clean questions (``colours-a``) and the 16 without a blue image
    (``colours-b``); returns the data folder."""
    from modalbench_badcases import PALETTE

    data = tmp_path / "data"
    data.mkdir()
    records: list[dict[str, Any]] = []
    for i in range(18):
        colour = COLOURS[i % len(COLOURS)]
        Image.new("RGB", (12, 12), PALETTE[colour]).save(data / f"{i}.png")
        records.append(
            {"id": f"q{i}", "image": f"{i}.png", "question": "colour?", "answers": [colour] * 10}
        )
    (data / "vqa.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    no_blue = [r for r in records if r["answers"][0] != "blue"]
    (data / "no-blue.jsonl").write_text("\n".join(json.dumps(r) for r in no_blue) + "\n")
    (badcases / "colours-a.toml").write_text(CARD.format(name="colours-a", file="vqa.jsonl"))
    (badcases / "colours-b.toml").write_text(CARD.format(name="colours-b", file="no-blue.jsonl"))
    return data


def run(data: Path, out: Path, model: str, tasks: list[str], **options: Any) -> list[Any]:
    settings: dict[str, Any] = {
        "batch_size": 4,
        "num_workers": 0,
        "bootstrap": 20,
        "progress": False,
        "use_cache": True,
    }
    settings.update(options)
    return bench.run(tasks=tasks, models=[model], data_dir=data, out=out, **settings)


@pytest.mark.parametrize(
    ("model", "reason"),
    [
        ("badcases:crashing", "IndexError"),
        ("badcases:usage-error", "UsageError: max_new_tokens must be at least 16"),
        ("badcases:miscount", "returned 3 outputs for a batch of 4"),
    ],
)
def test_a_broken_model_aborts_with_no_record(
    colour_task: Path, tmp_path: Path, model: str, reason: str
) -> None:
    out = tmp_path / "results"
    with pytest.raises(RunIncompleteError) as caught:
        run(colour_task, out, model, ["colours-a"])
    (aborted,) = caught.value.aborted
    assert isinstance(aborted, EvaluationAbortError)
    message = str(aborted)
    assert model in message and "colours-a" in message and "stage answer" in message
    assert reason in message
    assert "\n" not in message
    assert caught.value.records == []
    assert find_runs(out) == []  # no record, so no metric of 0 anywhere


def test_the_cli_exits_2_naming_model_task_stage_and_exception(
    colour_task: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        ["run", "--task", "colours-a", "--model", "badcases:crashing", "--data-dir",
         str(colour_task), "--out", str(tmp_path / "r"), "--num-workers", "0", "--quiet"]
    )  # fmt: skip
    assert status == 2
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if x.startswith("modalbench: error:"))
    for part in ("badcases:crashing", "colours-a", "stage answer", "IndexError"):
        assert part in line


def test_a_fault_of_one_kind_of_input_costs_those_samples_only(
    colour_task: Path, tmp_path: Path
) -> None:
    (record,) = run(colour_task, tmp_path / "r", "badcases:pink-allergic", ["colours-a"])
    pink = {f"q{i}" for i in range(18) if COLOURS[i % len(COLOURS)] == "pink"}
    assert {e.sample_id for e in record.errors} == pink
    assert all("ValueError: cannot name this colour" in e.reason for e in record.errors)
    assert record.metrics["accuracy"].value == pytest.approx(1 - len(pink) / 18)


def test_the_first_batch_failing_aborts_even_when_items_alone_would_pass(
    colour_task: Path, badcases: Path, tmp_path: Path
) -> None:
    # q4 (pink) is in the first batch of a run that starts there: nothing proves the model yet
    (colour_task / "vqa.jsonl").write_text(
        "\n".join(
            json.dumps({"id": f"p{i}", "image": f"{j}.png", "question": "colour?",
                        "answers": [COLOURS[j % len(COLOURS)]] * 10})
            for i, j in enumerate([4, 0, 1, 2, 3, 5, 6, 7])
        ) + "\n"
    )  # fmt: skip
    with pytest.raises(RunIncompleteError, match="the first model call failed: ValueError"):
        run(colour_task, tmp_path / "r", "badcases:pink-allergic", ["colours-a"])


def test_a_dead_cuda_context_stops_the_run_and_a_rerun_resumes(
    colour_task: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "results"
    # colours-b has no blue image, colours-a has: b finishes, a kills the context.
    with pytest.raises(RunAbortError) as caught:
        run(colour_task, out, "badcases:dead-cuda", ["colours-a", "colours-b"])
    message = str(caught.value)
    assert "CUDA_LAUNCH_BLOCKING=1" in message and "badcases:dead-cuda" in message
    assert "colours-a" in message and "device-side assert" in message
    assert find_runs(out) == []  # a ran first and died: nothing misleading written after it

    # the other order: b finishes and is written; a stops the run
    with pytest.raises(RunAbortError):
        run(colour_task, out, "badcases:dead-cuda", ["colours-b", "colours-a"])
    (written,) = find_runs(out)
    assert read_record(written).task.name == "colours-b"
    # a rerun resumes: the finished pair's predictions come back, nothing is computed again
    with pytest.raises(RunAbortError):
        run(colour_task, tmp_path / "again", "badcases:dead-cuda", ["colours-b", "colours-a"])
    (resumed,) = find_runs(tmp_path / "again")
    assert read_record(resumed).throughput.computed_items == 0


def test_no_sample_succeeding_reports_no_metrics(colour_task: Path, tmp_path: Path) -> None:
    for path in colour_task.glob("*.png"):
        path.write_bytes(b"not an image")
    with pytest.raises(RunIncompleteError, match="no sample succeeded"):
        run(colour_task, tmp_path / "r", "badcases:colour-oracle", ["colours-a"])
    assert find_runs(tmp_path / "r") == []


def test_a_question_without_answers_costs_one_sample(colour_task: Path, tmp_path: Path) -> None:
    lines = (colour_task / "vqa.jsonl").read_text().splitlines()
    broken = json.loads(lines[5])
    broken["answers"] = []
    lines[5] = json.dumps(broken)
    (colour_task / "vqa.jsonl").write_text("\n".join(lines) + "\n")
    (record,) = run(colour_task, tmp_path / "r", "badcases:colour-oracle", ["colours-a"])
    assert [(e.sample_id, e.stage) for e in record.errors] == [("q5", "data")]
    assert "no reference answers" in record.errors[0].reason
    assert record.n_failed == 1
    # scored over the 17 questions that have ground truth, all answered right
    assert record.metrics["accuracy"].value == 1.0
    (folder,) = find_runs(tmp_path / "r")
    rows = {row["id"]: row for row in read_rows(folder)}
    assert rows["q5"]["unit"] == "unscored" and rows["q5"]["error"]
