"""Every family through ``modalbench run`` on the shapes tasks it serves, offline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bench.cli.main import main
from bench.records.io import find_runs, read_record, read_rows

DUAL_TASKS = ("shapes-retrieval", "shapes-sentiment")
GENERATOR_TASKS = ("shapes-captioning", "shapes-vqa", "shapes-sentiment")
HEAD_TASKS = ("shapes-vqa", "shapes-sentiment")

#: model -> the shapes tasks its capabilities serve.
SERVES: dict[str, tuple[str, ...]] = {
    "clip": DUAL_TASKS,
    "siglip": DUAL_TASKS,
    "siglip2": DUAL_TASKS,
    "open_clip": DUAL_TASKS,
    "blip": GENERATOR_TASKS,
    "blip-vqa": GENERATOR_TASKS,
    "blip-2": GENERATOR_TASKS,
    "git": GENERATOR_TASKS,
    "vision-encoder-decoder": GENERATOR_TASKS,
    "qwen2_vl": GENERATOR_TASKS,
    "llava": GENERATOR_TASKS,
    "llava_next": GENERATOR_TASKS,
    "idefics3": GENERATOR_TASKS,
    "paligemma": GENERATOR_TASKS,
    "vilt": HEAD_TASKS,
    "lxmert": HEAD_TASKS,
}


def _spec_and_args(
    name: str, tiny_model: Callable[[str], Path], answers_file: Path
) -> tuple[str, list[str]]:
    folder = tiny_model(name)
    if name == "open_clip":
        return f"openclip:local-dir:{folder}", []
    if name == "lxmert":
        backbone = tiny_model("resnet")
        return f"hf:{folder}", [
            "--model-arg",
            f"grid_backbone={backbone}",
            "--model-arg",
            f"answers={answers_file}",
        ]
    return f"hf:{folder}", []


def _run(model: str, tasks: tuple[str, ...], out: Path, *extra: str) -> int:
    args = ["run", "--model", model, "--limit", "8", "--no-cache", "--quiet", "--out", str(out)]
    for task in tasks:
        args += ["--task", task]
    # Random tiny models fail samples (empty answers, unparsable labels): that is allowed here.
    return main([*args, "--max-failures", "1", "--bootstrap", "50", *extra])


@pytest.fixture
def without_meteor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Caption scoring without METEOR's Java start-up (seconds per run; not under test here)."""
    import functools

    import modalbench_tasks.captioning as captioning

    quick = functools.partial(captioning.caption_metrics, metrics=("BLEU", "ROUGE-L", "CIDEr"))
    monkeypatch.setattr(captioning, "caption_metrics", quick)


def _predictions(folder: Path) -> dict[str, Any]:
    return {row["id"]: row.get("prediction") for row in read_rows(folder)}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SERVES))
def test_modalbench_run_writes_valid_records(
    name: str,
    tiny_model: Callable[[str], Path],
    answers_file: Path,
    load_hf: Callable[..., Any],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    if name != "git":  # one family keeps the full caption metrics
        request.getfixturevalue("without_meteor")
    spec, extra = _spec_and_args(name, tiny_model, answers_file)
    capsys = request.getfixturevalue("capsys")
    status = _run(spec, SERVES[name], tmp_path, *extra)
    runs = find_runs(tmp_path)
    records = [read_record(run) for run in runs]
    # A random tiny generator may answer no sample usably (e.g. no sentiment label at all):
    # that evaluation reports no metrics and the command exits 2 naming it.
    unscored = sorted(set(SERVES[name]) - {r.task.name for r in records})
    if unscored:
        assert status == 2
        errors = [x for x in capsys.readouterr().err.splitlines() if "evaluation aborted" in x]
        assert len(errors) == len(unscored)
        for task, line in zip(unscored, sorted(errors), strict=True):
            assert f"on task {task}," in line and "no sample succeeded" in line, line
        assert len(unscored) < len(SERVES[name])
    else:
        assert status == 0
    for run, record in zip(runs, records, strict=True):
        assert record.model.spec == spec
        assert record.task.n_samples == 8
        assert record.model.settings["family"] == (name if name != "open_clip" else "open_clip")
        assert record.model.fingerprint.startswith("sha256:")
        assert record.metrics, record.task.name
        assert len(list(read_rows(run))) >= 8
        if record.task.family == "sentiment" and name in ("clip", "siglip", "siglip2", "open_clip"):
            assert record.task.settings["mode"] == "zero-shot"
    if name != "open_clip" and name != "lxmert":
        # The record's fingerprint is the one the adapter computes for the same folder.
        assert records[0].model.fingerprint == load_hf(name).fingerprint()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "task"), [("git", "shapes-captioning"), ("qwen2_vl", "shapes-vqa")]
)
@pytest.mark.usefixtures("without_meteor")
def test_batch_size_does_not_change_predictions(
    name: str, task: str, tiny_model: Callable[[str], Path], tmp_path: Path
) -> None:
    spec = f"hf:{tiny_model(name)}"
    assert _run(spec, (task,), tmp_path / "one", "--batch-size", "1", "--num-workers", "0") == 0
    assert _run(spec, (task,), tmp_path / "four", "--batch-size", "4") == 0
    (one,) = find_runs(tmp_path / "one")
    (four,) = find_runs(tmp_path / "four")
    predictions = _predictions(one)
    assert predictions == _predictions(four)
    assert any(isinstance(p, str) and p.strip() for p in predictions.values()), predictions


@pytest.mark.slow
@pytest.mark.usefixtures("without_meteor")
def test_model_args_reach_the_record(tiny_model: Callable[[str], Path], tmp_path: Path) -> None:
    spec = f"hf:{tiny_model('qwen2_vl')}"
    extra = ["--model-arg", "max_new_tokens=3", "--model-arg", "caption_prompt=Caption it."]
    assert _run(spec, ("shapes-captioning",), tmp_path, *extra) == 0
    (run,) = find_runs(tmp_path)
    settings = read_record(run).model.settings
    assert settings["max_new_tokens"] == 3
    assert settings["caption_prompt"] == "Caption it."
    assert settings["do_sample"] is False and settings["num_beams"] == 1
    assert all(len(str(p).split()) <= 3 for p in _predictions(run).values() if p)


def test_capability_mismatch_is_refused_before_loading(
    tiny_model: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from bench.adapters.providers import HFHandle
    from modalbench_tasks.captioning import CaptioningTask

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("nothing may load before the capability check")

    monkeypatch.setattr(HFHandle, "load", refuse)
    monkeypatch.setattr(CaptioningTask, "load", refuse)
    code = main(
        [
            "run",
            "--model",
            f"hf:{tiny_model('clip')}",
            "--task",
            "shapes-captioning",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot run task 'shapes-captioning'" in err and "Generator" in err
    assert not find_runs(tmp_path)


def test_unknown_model_arg_exits_2(
    tiny_model: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "run",
            "--model",
            f"hf:{tiny_model('vilt')}",
            "--task",
            "shapes-vqa",
            "--model-arg",
            "num_beams=2",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "num_beams" in err and "max_length" in err
