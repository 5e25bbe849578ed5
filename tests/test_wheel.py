"""What users install: a wheel built from the checkout, installed outside it, works.

The wheel is built without build isolation (no network needed) and installed with
``--no-deps`` into a fresh virtual environment outside the checkout; that environment reaches
the test environment's libraries (torch, transformers...) through a ``.pth`` file, but not
the checkout: ``bench`` and ``modalbench_tasks`` can only come from the wheel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True, cwd=out,
    )  # fmt: skip
    (built,) = out.glob("modalbench-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the checkout with the wheel installed; returns its bin folder."""
    root = tmp_path_factory.mktemp("user")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = Path(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c",
             "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )  # fmt: skip
    # The libraries of this environment, but no .pth processing there: the editable install
    # of the checkout stays invisible.
    libraries = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "test_libraries.pth").write_text("\n".join(sorted(libraries)) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install",
         "--no-deps", "-q", str(wheel)],
        check=True, capture_output=True, text=True, cwd=root,
    )  # fmt: skip
    return venv / "bin"


def _user_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    return env


def test_every_data_file_of_the_packages_is_in_the_wheel(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = set()
    for folder, package in (("bench", "bench"), ("tasks", "modalbench_tasks")):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                expected.add(f"{package}/{path.relative_to(ROOT / folder).as_posix()}")
    missing = sorted(expected - names)
    assert not missing, f"not in the wheel: {missing[:10]}"
    assert not any(name.startswith("tasks/") for name in names)


def test_the_installed_wheel_lists_tasks_and_evaluates_outside_the_checkout(
    installed: Path, tmp_path: Path
) -> None:
    env = _user_env()
    where = subprocess.run(
        [str(installed / "python"), "-c",
         "import bench, modalbench_tasks; print(bench.__file__); print(modalbench_tasks.__file__)"],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=env,
    ).stdout.split()  # fmt: skip
    assert all(str(ROOT) not in path for path in where), where

    listed = subprocess.run(
        [str(installed / "modalbench"), "list", "tasks"],
        capture_output=True, text=True, cwd=tmp_path, env=env, check=False,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    cards = sorted(p.stem for p in (ROOT / "tasks" / "cards").glob("*.toml"))
    for name in cards:
        assert name in listed.stdout

    out = tmp_path / "results"
    ran = subprocess.run(
        [str(installed / "modalbench"), "run", "--task", "shapes-vqa", "--model",
         "ref:shapes-vqa", "--limit", "24", "--no-cache", "--quiet", "--num-workers", "0",
         "--bootstrap", "0", "--out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, env=env, check=False, timeout=600,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-2000:]
    (record_file,) = out.rglob("record.json")
    record = json.loads(record_file.read_text())
    assert record["task"]["name"] == "shapes-vqa" and record["n_failed"] == 0

    # the same numbers as this checkout gives
    import bench

    (mine,) = bench.run(
        tasks=["shapes-vqa"], models=["ref:shapes-vqa"], limit=24, use_cache=False,
        progress=False, num_workers=0, bootstrap=0, out=tmp_path / "mine",
    )  # fmt: skip
    assert record["metrics"]["accuracy"]["value"] == mine.metrics["accuracy"].value
