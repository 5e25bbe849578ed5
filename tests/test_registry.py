"""Registry: entry-point discovery, suggestions, and a third-party plugin end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench import registry
from bench.adapters.base import ModelSpec
from bench.capabilities import ImageTextEmbedder
from bench.cli.main import main
from bench.errors import UsageError
from bench.records.io import find_runs, read_record, read_rows


def test_suggest_names_close_matches() -> None:
    assert "'toy-colour'" in registry.suggest("toy-color", ["toy-colour", "shapes-vqa"])
    assert registry.suggest("zzz", ["toy-colour"]) == ""


def test_unknown_task_suggests_the_closest(toy_plugin: dict[str, str]) -> None:
    with pytest.raises(UsageError, match="did you mean 'toy-colour'"):
        registry.build_task("toy-color")


def test_unknown_model_scheme_lists_schemes(toy_plugin: dict[str, str]) -> None:
    with pytest.raises(UsageError, match=r"no provider for scheme 'tyo'.*toy"):
        registry.resolve_model(ModelSpec.parse("tyo:mean-colour"))


def test_plugin_task_and_model_are_listed(toy_plugin: dict[str, str]) -> None:
    assert "toy-colour" in [t.name for t in registry.list_tasks()]
    assert "toy:mean-colour" in [m.spec for m in registry.list_models()]


def test_broken_plugin_does_not_break_the_others(
    toy_plugin: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "broken-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[modalbench.tasks]\nbroken = no_such_module:X\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry.refresh()
    with pytest.warns(UserWarning, match="no_such_module"):
        names = [t.name for t in registry.list_tasks()]
    assert "toy-colour" in names
    with pytest.raises(UsageError, match="no_such_module"):
        registry.build_task("not-there")


def test_plugin_runs_end_to_end_through_the_cli(toy_plugin: dict[str, str], tmp_path: Path) -> None:
    """A separately 'installed' plugin's task and model run via the console entry point."""
    out = tmp_path / "results"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.cli.main",
            "run",
            "--task",
            "toy-colour",
            "--model",
            "toy:mean-colour",
            "--out",
            str(out),
            "--quiet",
            "--no-cache",
        ],
        env=toy_plugin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "toy-colour" in proc.stdout and "toy:mean-colour" in proc.stdout
    (run,) = find_runs(out)
    record = read_record(run)
    assert record.metrics["accuracy"].value == 1.0
    assert record.task.n_samples == 30
    rows = list(read_rows(run))
    assert len(rows) == 30 and all(r["prediction"] in {"red", "green", "blue"} for r in rows)


def test_listing_does_not_import_torch(toy_plugin: dict[str, str]) -> None:
    code = (
        "import sys\nfrom bench.cli.main import main\n"
        "main(['list', 'tasks']); main(['list', 'models'])\n"
        "heavy = [m for m in ('torch', 'transformers', 'open_clip') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=toy_plugin, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout
    assert "toy-colour" in proc.stdout


def test_capability_mismatch_exits_2_before_data_loads(
    toy_plugin: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import modalbench_toy

    def refuse_to_load(*args: object, **kwargs: object) -> None:
        raise AssertionError("data must not load before the capability check")

    monkeypatch.setattr(modalbench_toy.ColourTask, "load", refuse_to_load)
    monkeypatch.setattr(modalbench_toy.ColourTask, "accepts", lambda self: (ImageTextEmbedder,))
    code = main(
        [
            "run",
            "--task",
            "toy-colour",
            "--model",
            "toy:mean-colour",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "needs ImageTextEmbedder" in err and "offers Generator" in err
    assert "Traceback" not in err


def test_bad_data_fails_before_any_weights_load(
    toy_plugin: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import modalbench_toy

    def broken_layout(self: object, options: object) -> None:
        raise UsageError("toy: missing file samples.json")

    def refuse_weights(self: object, options: object) -> None:
        raise AssertionError("weights must not load before the data is known to be good")

    monkeypatch.setattr(modalbench_toy.ColourTask, "load", broken_layout)
    monkeypatch.setattr(modalbench_toy._Handle, "load", refuse_weights)
    code = main(
        [
            "run",
            "--task",
            "toy-colour",
            "--model",
            "toy:mean-colour",
            "--out",
            str(tmp_path),
            "--quiet",
        ]
    )
    assert code == 2
    assert "toy: missing file samples.json" in capsys.readouterr().err


def test_python_api_takes_str_paths(toy_plugin: dict[str, str], tmp_path: Path) -> None:
    import bench

    (record,) = bench.run(
        tasks=["toy-colour"],
        models=["toy:mean-colour"],
        out=str(tmp_path / "results"),
        use_cache=False,
        progress=False,
        bootstrap=0,
        num_workers=0,
    )
    assert record.task.name == "toy-colour"
    assert list((tmp_path / "results" / "toy-colour").glob("*/*/record.json"))
