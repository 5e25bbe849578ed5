"""``modalbench score``: JSON contract, exit code 2 with file and JSON path, no torch import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.cli.main import main
from bench.scoring import score


def _write(path: Path, data: object) -> str:
    path.write_text(json.dumps(data))
    return str(path)


@pytest.fixture
def caption_files(tmp_path: Path) -> tuple[str, str]:
    refs = {
        "annotations": [
            {"image_id": 1, "caption": "a dog runs on grass."},
            {"image_id": 1, "caption": "A dog is running."},
            {"image_id": 2, "caption": "two cats sleep."},
            {"image_id": 2, "caption": "Cats sleeping on a bed."},
            {"image_id": 3, "caption": "a red bus."},
        ]
    }
    preds = [{"image_id": 1, "caption": "a dog running"}, {"image_id": 2, "caption": "two cats"}]
    return _write(tmp_path / "preds.json", preds), _write(tmp_path / "refs.json", refs)


def test_json_output_has_metric_keys_and_details(caption_files, capsys) -> None:
    preds, refs = caption_files
    code = main(
        [
            "score",
            "captioning",
            "--predictions",
            preds,
            "--references",
            refs,
            "--metrics",
            "BLEU-4,CIDEr",
            "--json",
            "--bootstrap",
            "50",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"BLEU-4", "CIDEr", "details"}
    assert isinstance(out["CIDEr"], float)
    assert out["details"]["missing_predictions"] == 1
    assert set(out["details"]["ci95"]) == {"BLEU-4", "CIDEr"}


def test_python_api_equals_cli_and_accepts_objects(caption_files) -> None:
    preds, refs = caption_files
    from_files = score("captioning", preds, refs, metrics=["CIDEr"], bootstrap=0)
    from_objects = score(
        "captioning",
        json.loads(Path(preds).read_text()),
        json.loads(Path(refs).read_text()),
        metrics=["CIDEr"],
        bootstrap=0,
    )
    assert from_files.values == from_objects.values


def test_human_output_is_an_aligned_table(caption_files, capsys) -> None:
    preds, refs = caption_files
    assert (
        main(
            [
                "score",
                "captioning",
                "--predictions",
                preds,
                "--references",
                refs,
                "--metrics",
                "ROUGE-L,CIDEr",
                "--bootstrap",
                "20",
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["metric", "value", "95%", "CI"]
    assert [line.split()[0] for line in lines[2:]] == ["ROUGE-L", "CIDEr"]


@pytest.mark.parametrize(
    ("family", "preds", "refs", "message"),
    [
        ("captioning", "{not json", {"1": ["a"]}, "invalid JSON at line 1"),
        (
            "captioning",
            [{"image_id": 1, "caption": 3}],
            {"1": ["a"]},
            "[0].caption: expected a string, got int",
        ),
        (
            "captioning",
            [{"image_id": 9, "caption": "x"}],
            {"1": ["a"]},
            "[0].image_id: id '9' is not in",
        ),
        ("captioning", [{"caption": "x"}], {"1": ["a"]}, "[0]: missing field 'image_id'"),
        ("captioning", [], {"1": ["a", ""]}, "['1'][1]: empty string"),
        (
            "vqa",
            [{"question_id": 1, "answer": "yes"}],
            {"annotations": [{"question_id": 1, "answers": [{"answer": "yes"}, {"answer": 2}]}]},
            "annotations[0].answers[1].answer: expected a string, got int",
        ),
        (
            "vqa",
            [{"question_id": 1, "answer": 5}],
            {"annotations": [{"question_id": 1, "answers": [{"answer": "yes"}]}]},
            "[0].answer: expected a string, got int",
        ),
        (
            "sentiment",
            [{"id": "a", "label": "pos"}],
            [{"id": "a", "label": "pos"}, {"id": "a", "label": "neg"}],
            "[1]: duplicate id 'a'",
        ),
        ("retrieval", None, [0, 1], "[1, 0]: NaN score"),
    ],
)
def test_bad_input_exits_2_naming_file_and_path(
    tmp_path, capsys, family, preds, refs, message
) -> None:
    if family == "retrieval":
        matrix = np.ones((2, 2))
        matrix[1, 0] = np.nan
        pred_path = tmp_path / "scores.npy"
        np.save(pred_path, matrix)
    elif isinstance(preds, str):
        pred_path = tmp_path / "preds.json"
        pred_path.write_text(preds)
    else:
        pred_path = Path(_write(tmp_path / "preds.json", preds))
    ref_path = _write(tmp_path / "refs.json", refs)
    code = main(["score", family, "--predictions", str(pred_path), "--references", ref_path])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert ("scores.npy" if family == "retrieval" else ".json") in err


def test_unknown_metric_name_exits_2(caption_files, capsys) -> None:
    preds, refs = caption_files
    assert (
        main(
            [
                "score",
                "captioning",
                "--predictions",
                preds,
                "--references",
                refs,
                "--metrics",
                "BLUE",
            ]
        )
        == 2
    )
    assert "unknown captioning metric 'BLUE'" in capsys.readouterr().err


def test_vqa_retrieval_and_sentiment_files(tmp_path) -> None:
    vqa_refs = {
        "annotations": [
            {
                "question_id": 1,
                "answers": [{"answer": "yes", "answer_id": j} for j in range(10)],
                "answer_type": "yes/no",
                "question_type": "is this",
            },
            {
                "question_id": 2,
                "answers": [
                    {"answer": a, "answer_id": j} for j, a in enumerate(["2"] * 3 + ["two"] * 7)
                ],
                "answer_type": "number",
                "question_type": "how many",
            },
        ]
    }
    vqa = score(
        "vqa",
        [{"question_id": 1, "answer": "yes"}, {"question_id": 2, "answer": "Two"}],
        vqa_refs,
        bootstrap=0,
    )
    assert vqa.values == {"accuracy": 1.0}
    assert vqa.details["per_answer_type"] == {"number": 1.0, "yes/no": 1.0}
    np.save(tmp_path / "s.npy", np.array([[0.9, 0.1], [0.2, 0.3], [0.0, 1.0]]))
    ret = score("retrieval", str(tmp_path / "s.npy"), [0, 0, 1], bootstrap=0)
    assert ret.values["t2i_R@1"] == pytest.approx(2 / 3)
    assert ret.values["i2t_R@1"] == 1.0
    sent = score(
        "sentiment",
        [{"id": "a", "label": -1.0}, {"id": "b", "label": 2.0}],
        [{"id": "a", "label": -0.5}, {"id": "b", "label": 1.5}],
        bootstrap=0,
    )
    assert sent.values["acc2_has0"] == 1.0
    hm = score(
        "sentiment",
        [
            {"id": "a", "label": "hateful", "score": 0.9},
            {"id": "b", "label": "benign", "score": 0.2},
        ],
        {
            "examples": [{"id": "a", "label": "hateful"}, {"id": "b", "label": "benign"}],
            "positive_label": "hateful",
        },
        bootstrap=0,
    )
    assert hm.values["auroc"] == 1.0


def test_scoring_text_metrics_never_imports_torch(caption_files, tmp_path) -> None:
    preds, refs = caption_files
    vqa_refs = _write(
        tmp_path / "vqa_refs.json",
        {"annotations": [{"question_id": 1, "answers": [{"answer": "yes"}]}]},
    )
    vqa_preds = _write(tmp_path / "vqa_preds.json", [{"question_id": 1, "answer": "yes"}])
    script = (
        "import sys\n"
        "from bench.cli.main import main\n"
        f"assert main(['score', 'captioning', '--predictions', {preds!r}, '--references', "
        f"{refs!r}, '--metrics', 'BLEU,ROUGE-L,CIDEr', '--json']) == 0\n"
        f"assert main(['score', 'vqa', '--predictions', {vqa_preds!r}, '--references', "
        f"{vqa_refs!r}, '--json']) == 0\n"
        "heavy = [m for m in ('torch', 'transformers', 'datasets', 'pandas', 'sklearn') "
        "if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert "HEAVY []" in done.stdout
