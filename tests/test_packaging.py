"""Packaging: every package folder is installed, and tasks/ never installs as ``tasks``."""

from __future__ import annotations

from pathlib import Path

from bench.toml_compat import toml_reader

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:  # type: ignore[type-arg]
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return toml_reader.load(handle)


def test_every_package_folder_is_listed() -> None:
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "bench").rglob("__init__.py")
    }
    on_disk |= {
        "modalbench_tasks" + "".join("." + x for x in p.parent.relative_to(ROOT / "tasks").parts)
        for p in (ROOT / "tasks").rglob("__init__.py")
    }
    assert on_disk <= listed, f"add to pyproject packages: {sorted(on_disk - listed)}"
    assert "tasks" not in listed


def test_tasks_folder_is_mapped_to_a_unique_import_name() -> None:
    mapping = _pyproject()["tool"]["setuptools"]["package-dir"]
    assert mapping["modalbench_tasks"] == "tasks"


def test_console_script_and_entry_point_groups() -> None:
    project = _pyproject()["project"]
    assert project["scripts"]["modalbench"] == "bench.cli.main:main"
    assert set(project["entry-points"]) == {"modalbench.tasks", "modalbench.models"}


def _floor(requirement: str) -> str:
    return requirement.split(">=", 1)[1].split(",")[0].strip()


def test_the_compat_matrix_runs_the_declared_floors() -> None:
    # transformers and open_clip admit exactly the oldest versions .ci/compat tests
    deps = {d.split(">=")[0].strip(): d for d in _pyproject()["project"]["dependencies"]}
    script = (ROOT / ".ci" / "compat").read_text()
    for name, default in (
        ("transformers", "COMPAT_TRANSFORMERS"),
        ("open_clip_torch", "COMPAT_OPEN_CLIP"),
    ):
        floor = _floor(deps[name])
        assert f"{name}==${{{default}:-{floor}" in script, (name, floor)
    assert ".ci/compat" in (ROOT / ".ci" / "run").read_text()
