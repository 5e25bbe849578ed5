"""The generic local reader (``kind = "jsonl"``): bad records fail alone, bad files exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.data.cards import SourceSpec
from bench.data.sources.jsonl import read_jsonl
from bench.errors import UsageError
from bench.types import LOAD_ERROR_KEY, Sample


def spec(name: str, **options: Any) -> SourceSpec:
    return SourceSpec("local", "jsonl", {"files": {"annotations": name}, **options})


def write_lines(path: Path, records: list[Any]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def errors(samples: list[Sample]) -> dict[str, str]:
    return {s.id: s.meta[LOAD_ERROR_KEY] for s in samples if LOAD_ERROR_KEY in s.meta}


def test_flickr_style_csv_groups_captions_by_image(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "captions.csv").write_text(
        "image,caption\nimg/a.jpg,a cat on a mat\nimg/b.jpg,a dog\nimg/a.jpg,a feline\n"
    )
    samples = read_jsonl(spec("captions.csv"), "test", tmp_path)
    assert [s.id for s in samples] == ["img/a.jpg", "img/b.jpg"]
    assert samples[0].references == ("a cat on a mat", "a feline")
    assert samples[0].image == str((tmp_path / "img" / "a.jpg").resolve())
    assert errors(samples) == {}


def test_jsonl_families_and_field_mapping(tmp_path: Path) -> None:
    (tmp_path / "pics").mkdir()
    write_lines(
        tmp_path / "test.jsonl",
        [
            {"id": 1, "file": "x.png", "question": "what?", "answers": [{"answer": "red"}, "red"]},
            {"file": "y.png", "text": "so happy", "label": 2, "source": "web"},
            {"file": "z.png", "text": "meh", "label": 0.25},
        ],
    )
    source = spec("{split}.jsonl", dirs={"images": "pics"}, fields={"image": "file"})
    q, post, score = read_jsonl(source, "test", tmp_path)
    assert (q.id, q.text, q.references) == ("1", "what?", ("red", "red"))
    assert q.image == str((tmp_path / "pics" / "x.png").resolve())
    assert (post.id, post.label, post.meta) == ("row1", "2", {"source": "web"})
    assert (score.id, score.label) == ("row2", 0.25)


def test_paths_cannot_escape_the_data_folder(tmp_path: Path) -> None:
    root = tmp_path / "data"
    root.mkdir()
    (tmp_path / "secret.png").write_bytes(b"x")
    (root / "link.png").symlink_to(tmp_path / "secret.png")
    write_lines(
        root / "a.jsonl",
        [
            {"id": "up", "image": "../secret.png", "captions": ["c"]},
            {"id": "abs", "image": str(tmp_path / "secret.png"), "captions": ["c"]},
            {"id": "link", "image": "link.png", "captions": ["c"]},
            {"id": "ok", "image": "fine.png", "captions": ["c"]},
        ],
    )
    samples = read_jsonl(spec("a.jsonl"), "test", root)
    found = errors(samples)
    assert set(found) == {"up", "abs", "link"}
    assert "climbs out of the dataset folder" in found["up"]
    assert "is absolute" in found["abs"]
    assert "outside the dataset folder" in found["link"]
    assert all(s.image is None for s in samples if s.id in found)


def test_bad_records_fail_alone(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "good", "image": "a.png", "question": "q?", "answers": ["x"]}).encode(),
        b'{"id": "latin1", "image": "a.png", "question": "caf\xe9?", "answers": ["x"]}',
        json.dumps({"id": "noq", "image": "a.png", "question": "  ", "answers": ["x"]}).encode(),
        json.dumps({"id": "noans", "image": "a.png", "question": "q?", "answers": []}).encode(),
        json.dumps({"id": "notext", "image": "a.png", "text": "", "label": "neg"}).encode(),
        json.dumps({"id": "nocap", "image": "a.png", "captions": ["ok", ""]}).encode(),
        json.dumps({"id": "noimage", "captions": ["a"]}).encode(),
        b"",
    ]
    (tmp_path / "a.jsonl").write_bytes(b"\n".join(lines))
    samples = read_jsonl(spec("a.jsonl"), "test", tmp_path)
    assert [s.id for s in samples] == [
        "good",
        "latin1",
        "noq",
        "noans",
        "notext",
        "nocap",
        "noimage",
    ]
    assert errors(samples) == {
        "latin1": "text: line 2 is not valid UTF-8",
        "noq": "text: empty question",
        "noans": "no reference answers",
        "notext": "text: empty text",
        "nocap": "text: empty caption",
        "noimage": "image: no image path in the annotation",
    }
    assert samples[1].text == "caf\ufffd?"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"image": "a.png"}\n{"image": \n', "a.jsonl:2: malformed JSON"),
        (b'{"image": "a.png"}\n[1, 2]\n', "a.jsonl:2: expected a JSON object per line"),
        (b'{"image": 3}\n', "a.jsonl:1: field 'image' must be a string"),
        (b'{"image": "a", "captions": ["x", 2]}\n', "a.jsonl:1: field 'captions[1]' must be"),
        (b'{"image": "a", "question": "q", "answers": [{"a": 1}]}', "field 'answers[0].answer'"),
        (b'{"image": "a", "label": true}\n', "a.jsonl:1: field 'label' must be"),
        (b'{"id": [1], "image": "a"}\n', "a.jsonl:1: field 'id' must be"),
        (b"[" * 100_000 + b"\n", "a.jsonl:1: malformed JSON"),
    ],
)
def test_malformed_files_name_file_line_and_field(
    tmp_path: Path, content: bytes, message: str
) -> None:
    (tmp_path / "a.jsonl").write_bytes(content)
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("]", r"\]")):
        read_jsonl(spec("a.jsonl"), "test", tmp_path)


def test_bad_cards_and_tables(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("image,caption\na.png,x,extra\n")
    with pytest.raises(UsageError, match=r"t.csv:2: expected 2 columns"):
        read_jsonl(spec("t.csv"), "test", tmp_path)
    with pytest.raises(UsageError, match="missing"):
        read_jsonl(spec("absent.jsonl"), "test", tmp_path)
    with pytest.raises(UsageError, match="pass --data-dir"):
        read_jsonl(spec("t.csv"), "test", None)
    with pytest.raises(UsageError, match=r"fields.picture"):
        read_jsonl(spec("t.csv", fields={"picture": "x"}), "test", tmp_path)
    with pytest.raises(UsageError, match=r"climbs out"):
        read_jsonl(spec("../t.csv"), "test", tmp_path)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".jsonl", ".csv", ".tsv"]))
def test_random_bytes_never_crash(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    try:
        samples = read_jsonl(spec(path.name), "test", tmp_path)
    except UsageError as exc:
        assert str(path) in str(exc)
    else:
        assert all(isinstance(s, Sample) for s in samples)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "image", "caption", "captions", "question", "answers", "text"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=st.lists(json_values, max_size=5))
def test_random_json_records_never_crash(tmp_path: Path, records: list[Any]) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    try:
        read_jsonl(spec("r.jsonl"), "test", tmp_path)
    except UsageError as exc:
        assert "r.jsonl" in str(exc)
