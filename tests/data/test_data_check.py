"""``modalbench data check TASK [--data-dir DIR]`` on tiny original layouts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from benchmark_layouts import coco_file, make_coco
from card_helpers import load
from sentiment_layouts import make_hateful_memes

from bench.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["data", "check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_complete_layout_exits_0_and_prints_the_run_fingerprint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_hateful_memes(tmp_path)
    # Everything is present; only the sizes differ from the real dataset's.
    code, out, err = run(capsys, "hateful-memes", "--data-dir", str(tmp_path))
    assert "source: local:hateful-memes:" in out
    assert "[ok     ] hateful_memes/test_seen.jsonl" in out
    assert "[ok     ] hateful_memes/train.jsonl" in out
    assert "[ok     ] hateful_memes/img/" in out
    assert "split test_seen: 4 samples (expected 1,000) MISMATCH" in out
    assert "split train: 3 samples (expected 8,500) MISMATCH" in out
    assert "missing image files: 0" in out
    # The fingerprint is the one a run over the same data records.
    assert f"fingerprint: {load('hateful-memes', tmp_path, limit=4).fingerprint}" in out
    assert code == 2
    assert "expected 1000 samples, found 4" in err


@pytest.mark.slow
def test_shapes_card_is_complete(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "shapes-sentiment")
    assert code == 0
    assert "source: builtin:shapes" in out
    assert "split test: 600 samples (expected 600) ok" in out
    assert "split train: 3,000 samples (expected 3,000) ok" in out
    assert out.strip().endswith("status: complete")


def test_missing_files_are_all_listed_with_where_to_get_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "val2014").mkdir()
    code, out, err = run(capsys, "coco-retrieval", "--data-dir", str(tmp_path))
    assert code == 2
    assert "[MISSING] dataset_coco.json  <- get it from https://cs.stanford.edu" in out
    assert "[MISSING] annotations/captions_val2014.json  <- get it from http://images" in out
    assert "[ok     ] val2014/" in out
    assert "status: INCOMPLETE" in out
    # exit 2 names the first expected file that is missing
    assert "expected file 'dataset_coco.json' is missing" in err


def test_missing_images_are_counted_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_coco(tmp_path)
    (tmp_path / "val2014" / coco_file(184613)).unlink()
    code, out, err = run(capsys, "coco-captioning", "--data-dir", str(tmp_path))
    assert code == 2
    assert "missing image files: 1" in out
    assert coco_file(184613) in out
    assert "expected 5000 samples, found 3" in err  # the count is the first problem


def test_hub_card_offline_lists_the_local_alternative(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "okvqa")
    assert code == 2
    assert "source: hub:hf-datasets" in out
    assert "or download the original layout and pass --data-dir DIR with:" in out
    assert "OpenEnded_mscoco_val2014_questions.json  <- https://okvqa.allenai.org" in out
    assert "'lmms-lab/OK-VQA'" in err


def test_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "no-such-task")
    assert code == 2 and "unknown task 'no-such-task'" in err
    code, _, err = run(capsys, "coco-captioning", "--data-dir", str(tmp_path / "nope"))
    assert code == 2 and "no such directory" in err


def test_console_script_exit_code(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.cli.main",
            "data",
            "check",
            "textvqa",
            "--data-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "expected file 'TextVQA_0.5.1_val.json' is missing" in result.stderr


def test_local_only_card_without_data_dir_lists_what_to_download(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "twitter2015")
    assert code == 2
    assert "download the original layout and pass --data-dir DIR with:" in out
    assert "absa_data/twitter2015/test.tsv  <- https://github.com/jefferyYu/TomBERT" in out
    assert "absa_data/twitter2015/train.tsv" in out
    assert "IJCAI2019_data/twitter2015_images/  <- https://drive.google.com" in out
    assert "twitter2015 is read from its original download layout: pass --data-dir" in err
