"""safe_join: dataset-relative paths never leave --data-dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.data.paths import PathEscapeError, safe_join


@pytest.fixture
def root(tmp_path: Path) -> Path:
    base = tmp_path / "data"
    (base / "images").mkdir(parents=True)
    (base / "images" / "a.jpg").write_bytes(b"x")
    (tmp_path / "secret.txt").write_text("outside")
    return base


def test_plain_relative_paths_resolve_inside(root: Path) -> None:
    assert safe_join(root, "images/a.jpg") == (root / "images" / "a.jpg").resolve()
    assert safe_join(root, "./images/./a.jpg") == (root / "images" / "a.jpg").resolve()
    # Windows-made annotation files use backslashes.
    assert safe_join(root, "images\\a.jpg") == (root / "images" / "a.jpg").resolve()


def test_missing_files_are_allowed(root: Path) -> None:
    assert safe_join(root, "images/missing.jpg") == (root / "images" / "missing.jpg").resolve()


@pytest.mark.parametrize(
    "relative",
    ["../secret.txt", "images/../../secret.txt", "images/../a.jpg", "..", "a/..\\..\\x"],
)
def test_dot_dot_is_refused(root: Path, relative: str) -> None:
    with pytest.raises(PathEscapeError, match=r"\.\."):
        safe_join(root, relative)


@pytest.mark.parametrize("relative", ["/etc/passwd", "C:\\Windows\\win.ini", "c:evil", "~/x"])
def test_absolute_paths_are_refused(root: Path, relative: str) -> None:
    with pytest.raises(PathEscapeError, match="absolute"):
        safe_join(root, relative)


@pytest.mark.parametrize("relative", ["", "   ", "images/\x00a.jpg"])
def test_empty_and_nul_paths_are_refused(root: Path, relative: str) -> None:
    with pytest.raises(PathEscapeError):
        safe_join(root, relative)


def test_symlink_pointing_outside_is_refused(root: Path, tmp_path: Path) -> None:
    (root / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (root / "outdir").symlink_to(tmp_path)
    with pytest.raises(PathEscapeError, match="symlink"):
        safe_join(root, "leak.txt")
    with pytest.raises(PathEscapeError, match="symlink"):
        safe_join(root, "outdir/secret.txt")


def test_symlink_inside_the_root_is_fine(root: Path) -> None:
    (root / "alias").symlink_to(root / "images")
    (root / "b.jpg").symlink_to(root / "images" / "a.jpg")
    assert safe_join(root, "alias/a.jpg") == (root / "images" / "a.jpg").resolve()
    assert safe_join(root, "b.jpg") == (root / "images" / "a.jpg").resolve()


def test_root_given_through_a_symlink_still_works(root: Path, tmp_path: Path) -> None:
    link = tmp_path / "link-to-data"
    link.symlink_to(root)
    assert safe_join(link, "images/a.jpg") == (root / "images" / "a.jpg").resolve()


def test_error_names_the_path(root: Path) -> None:
    with pytest.raises(PathEscapeError) as info:
        safe_join(root, "../secret.txt")
    assert info.value.relative == "../secret.txt"
    assert "../secret.txt" in str(info.value)
