"""Command-line contract: exit codes and one-line errors for user mistakes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli.main import main


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "run" in capsys.readouterr().out


def test_unknown_command_exits_2() -> None:
    proc = run_cli("frobnicate")
    assert proc.returncode == 2
    assert "invalid choice" in proc.stderr


def test_unknown_task_exits_2_with_a_suggestion(toy_plugin: dict[str, str]) -> None:
    proc = run_cli("run", "--task", "toy-color", "--model", "toy:mean-colour", env=toy_plugin)
    assert proc.returncode == 2
    assert "unknown task 'toy-color'; did you mean 'toy-colour'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_missing_data_dir_exits_2_naming_it(toy_plugin: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    proc = run_cli(
        "run",
        "--task",
        "toy-colour",
        "--model",
        "toy:mean-colour",
        "--data-dir",
        str(missing),
        env=toy_plugin,
    )
    assert proc.returncode == 2
    assert f"--data-dir {missing}: no such directory" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--batch-size", "0"], "--batch-size must be at least 1"),
        (["--limit", "0"], "--limit must be at least 1"),
        (["--device", "tpu"], "--device tpu: expected auto, cpu, cuda or cuda:N"),
        (["--dtype", "fp8"], "--dtype fp8: expected auto, fp32, bf16 or fp16"),
        (["--max-failures", "2"], "expected a fraction in [0, 1]"),
        (["--model-arg", "novalue"], "expected key=value"),
    ],
)
def test_bad_options_exit_2(
    toy_plugin: dict[str, str],
    tmp_path: Path,
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
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
            *args,
        ]
    )
    assert code == 2
    assert message in capsys.readouterr().err


def test_max_failures_exit_1(
    toy_plugin: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import modalbench_toy

    original = modalbench_toy.MeanColourModel.generate

    def flaky(self, images, prompts, *, max_new_tokens):  # type: ignore[no-untyped-def]
        answers = original(self, images, prompts, max_new_tokens=max_new_tokens)
        return ["" if i == 0 else a for i, a in enumerate(answers)]  # one empty per batch

    monkeypatch.setattr(modalbench_toy.MeanColourModel, "generate", flaky)
    base = [
        "run",
        "--task",
        "toy-colour",
        "--model",
        "toy:mean-colour",
        "--quiet",
        "--no-cache",
        "--batch-size",
        "10",
    ]
    assert main([*base, "--out", str(tmp_path / "a")]) == 1  # 3 of 30 failed > 1%
    assert main([*base, "--out", str(tmp_path / "b"), "--max-failures", "0.2"]) == 0
