"""Reports over records written by the real runner (the toy plugin's task and model)."""

from __future__ import annotations

from pathlib import Path

import pytest

import bench
from bench.cli.main import main


@pytest.fixture
def toy_runs(toy_plugin: dict[str, str], tmp_path: Path) -> dict[str, Path]:
    folders = {}
    for name in ("first", "second"):
        bench.run(
            tasks=["toy-colour"],
            models=["toy:mean-colour"],
            out=tmp_path / name,
            use_cache=False,
            progress=False,
            device="cpu",
        )
        folders[name] = tmp_path / name
    return folders


def test_runner_records_feed_table_compare_and_leaderboard(
    toy_runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the mean-colour rule names every solid colour right: 30 of 30
    assert "| toy:mean-colour | 1.000 [1.000, 1.000] |" in bench.table(toy_runs["first"])
    # two runs of the same model: every per-sample row re-aggregates to its record, delta 0
    assert main(["compare", str(toy_runs["first"]), str(toy_runs["second"])]) == 0
    assert "| accuracy (headline) | higher | 1.0000 | 1.0000 | +0.0000 |" in capsys.readouterr().out
    spec = tmp_path / "toy.toml"
    spec.write_text(
        'title = "Toy"\n[[columns]]\ntask = "toy-colour"\nmetric = "accuracy"\n', encoding="utf-8"
    )
    args = ["leaderboard", "build", str(spec), "--results", str(toy_runs["first"])]
    assert main([*args, "--out", str(tmp_path / "site")]) == 0
    index = (tmp_path / "site" / "index.html").read_text()
    assert ">toy:mean-colour</a>" in index and ">1.000</span>" in index
