"""Hub data downloaded ahead of time, read offline from the Hugging Face hub cache (issue 20).

The test builds the hub cache exactly as ``hf download`` leaves it: content in ``blobs/``,
``snapshots/<pinned sha>/...`` symlinks to the blobs, ``refs/main`` naming the sha.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest
from card_helpers import card
from doubles import DoubleModels
from PIL import Image

import bench
from bench import registry
from bench.cli.main import main
from bench.data.sources import read_split
from bench.errors import UsageError

FLICKR = "clip-benchmark/wds_flickr30k"
CAPTIONS = {
    "1007129816": ["A man with a hat.", "Someone in a hat outside."],
    "1009434119": ["A dog runs on grass.", "A black dog in a park."],
    "101362133": ["Children play football.", "Kids kick a ball."],
}


def _jpeg(index: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (60 * index % 255, 20, 200 - 50 * index)).save(buffer, "JPEG")
    return buffer.getvalue()


def _tar(items: dict[str, list[str]], start: int) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for index, (key, captions) in enumerate(items.items(), start=start):
            for suffix, data in (("jpg", _jpeg(index)), ("txt", "\n".join(captions).encode())):
                info = tarfile.TarInfo(f"{key}.{suffix}")
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def build_hub_cache(home: Path, repo: str, revision: str, files: dict[str, bytes]) -> Path:
    """``home/hub/datasets--ORG--NAME`` with blobs, a snapshot of symlinks, and refs/main."""
    base = home / "hub" / f"datasets--{repo.replace('/', '--')}"
    snapshot = base / "snapshots" / revision
    for relative, data in files.items():
        blob = base / "blobs" / hashlib.sha256(data).hexdigest()
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        link = snapshot / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(Path("../" * (relative.count("/") + 2)) / "blobs" / blob.name)
    (base / "refs").mkdir(parents=True, exist_ok=True)
    (base / "refs" / "main").write_text(revision)
    return snapshot


@pytest.fixture
def offline_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "hf-home"
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    return home


def _flickr_snapshot(home: Path) -> Path:
    revision = card("flickr30k-retrieval").sources["hub"].options["revision"]
    first = dict(list(CAPTIONS.items())[:2])
    rest = dict(list(CAPTIONS.items())[2:])
    files = {"test/0.tar": _tar(first, 0), "test/1.tar": _tar(rest, 2), "README.md": b"# x\n"}
    return build_hub_cache(home, FLICKR, revision, files)


def test_offline_run_reads_the_pinned_snapshot_from_the_hub_cache(
    offline_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _flickr_snapshot(offline_home)
    providers = registry._model_providers()
    monkeypatch.setattr(
        registry, "_model_providers", lambda: {**providers, "double": DoubleModels()}
    )
    samples, where = read_split(card("flickr30k-retrieval"), "test", None)
    assert sorted(s.id for s in samples) == sorted(CAPTIONS)
    assert {s.id: list(s.references) for s in samples} == CAPTIONS
    assert where.startswith(f"hub:hf-datasets:{FLICKR}@")
    (record,) = bench.run(
        tasks=["flickr30k-retrieval"],
        models=["double:all"],
        limit=50,
        out=tmp_path / "out",
        device="cpu",
        batch_size=2,
        num_workers=0,
        bootstrap=0,
        progress=False,
        use_cache=False,
    )
    assert record.task.n_samples == 3 and record.n_failed == 0
    assert "t2i_R@1" in record.metrics


def test_offline_without_the_snapshot_names_the_download_command(offline_home: Path) -> None:
    revision = card("flickr30k-retrieval").sources["hub"].options["revision"]
    with pytest.raises(UsageError) as info:
        read_split(card("flickr30k-retrieval"), "test", None)
    message = str(info.value)
    assert (
        f"hf download {FLICKR} --repo-type dataset --revision {revision} --include 'test/*.tar'"
        in message
    )
    assert "modalbench data download TASK" in message


def test_data_check_reports_the_cached_snapshot(
    offline_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = _flickr_snapshot(offline_home)
    code = main(["data", "check", "flickr30k-retrieval"])
    out = capsys.readouterr().out
    assert f"(hub cache snapshot {snapshot})" in out
    assert "split test: 3 samples (expected 1,000) MISMATCH" in out
    assert "fingerprint: " in out
    assert code == 2  # the tiny snapshot is not the real split's size


def _memes_snapshot(home: Path, tmp_path: Path) -> Path:
    """The Hateful Memes hub copy's layout in the hub cache, as a download leaves it."""
    from sentiment_layouts import make_hateful_memes

    layout = tmp_path / "layout"
    make_hateful_memes(layout, folder="repo")
    files = {
        p.relative_to(layout / "repo").as_posix(): p.read_bytes()
        for p in (layout / "repo").rglob("*")
        if p.is_file()
    }
    hub = card("hateful-memes").sources["hub"].options
    return build_hub_cache(home, hub["id"], hub["revision"], files)


def test_hateful_memes_reads_the_hub_cache_snapshot_through_its_blob_links(
    offline_home: Path, tmp_path: Path
) -> None:
    from sentiment_layouts import MEMES

    snapshot = _memes_snapshot(offline_home, tmp_path)
    assert (snapshot / "img" / "16395.png").is_symlink()
    samples, _ = read_split(card("hateful-memes"), "test_seen", None)
    assert sorted(int(s.id) for s in samples) == sorted(m[0] for m in MEMES["test_seen"])
    assert all(s.meta.get("load_error") is None for s in samples), [s.meta for s in samples]
    # the images are the blobs the snapshot links to, read as the dataset's own files
    blobs = snapshot.parent.parent / "blobs"
    assert all(Path(s.image).parent == blobs.resolve() for s in samples)


def test_a_link_out_of_the_snapshot_elsewhere_is_still_refused(
    offline_home: Path, tmp_path: Path
) -> None:
    snapshot = _memes_snapshot(offline_home, tmp_path)
    secret = tmp_path / "secret.png"
    secret.write_bytes((snapshot / "img" / "16395.png").read_bytes())
    (snapshot / "img" / "16395.png").unlink()
    (snapshot / "img" / "16395.png").symlink_to(secret)
    samples, _ = read_split(card("hateful-memes"), "test_seen", None)
    bad = next(s for s in samples if s.id == "16395")
    assert "outside the dataset folder" in str(bad.meta.get("load_error"))


def test_data_download_fetches_the_pinned_files_the_card_reads(
    offline_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import huggingface_hub

    calls: list[dict[str, object]] = []
    real = huggingface_hub.snapshot_download

    def fake_download(repo_id: str, **kwargs: object) -> str:
        if kwargs.get("local_files_only"):
            return str(real(repo_id, **kwargs))  # the offline look-up stays real
        calls.append({"repo_id": repo_id, **kwargs})
        return str(_flickr_snapshot(offline_home))  # what the download leaves behind

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_download)
    assert main(["data", "download", "flickr30k-retrieval"]) == 0
    revision = card("flickr30k-retrieval").sources["hub"].options["revision"]
    (call,) = calls
    assert call["repo_id"] == FLICKR and call["repo_type"] == "dataset"
    assert call["revision"] == revision
    assert call["allow_patterns"] == ["test/*.tar"]  # the card's files, nothing more
    out = capsys.readouterr().out
    assert f"--revision {revision} --include 'test/*.tar'" in out
    # and the card now reads offline from what was downloaded
    samples, where = read_split(card("flickr30k-retrieval"), "test", None)
    assert len(samples) == 3 and where.startswith("hub:")


def _vqav2_parquet(question_ids: list[int]) -> bytes:
    import datasets

    features = datasets.Features(
        {
            "question_id": datasets.Value("int64"),
            "question": datasets.Value("string"),
            "image_id": datasets.Value("int64"),
            "image": datasets.Image(),
            "answers": [{"answer": datasets.Value("string"), "answer_id": datasets.Value("int64")}],
            "answer_type": datasets.Value("string"),
            "question_type": datasets.Value("string"),
            "multiple_choice_answer": datasets.Value("string"),
        }
    )
    rows = {
        "question_id": question_ids,
        "question": [f"q{q}?" for q in question_ids],
        "image_id": [q // 10 for q in question_ids],
        "image": [{"bytes": _jpeg(i), "path": None} for i in range(len(question_ids))],
        "answers": [[{"answer": "yes", "answer_id": k} for k in range(10)] for _ in question_ids],
        "answer_type": ["yes/no"] * len(question_ids),
        "question_type": ["is the"] * len(question_ids),
        "multiple_choice_answer": ["yes"] * len(question_ids),
    }
    buffer = io.BytesIO()
    datasets.Dataset.from_dict(rows, features=features).to_parquet(buffer)
    return buffer.getvalue()


#: A parquet repository as the hub keeps them: one set of shards per split.
VQAV2_FILES = {
    "data/validation-00000-of-00002.parquet": [101, 102],
    "data/validation-00001-of-00002.parquet": [203],
    "data/testdev-00000-of-00001.parquet": [900],
    "data/test-00000-of-00001.parquet": [901],
}


def test_a_card_without_data_files_downloads_and_reads_only_its_split(
    offline_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fnmatch

    import huggingface_hub

    the_card = card("vqav2")
    hub = the_card.sources["hub"].options
    assert "data_files" not in hub  # the layout is the hub's usual one, named by split
    listed = ["README.md", ".gitattributes", *VQAV2_FILES]
    real = huggingface_hub.snapshot_download
    calls: list[list[str]] = []

    def fake_download(repo_id: str, **kwargs: object) -> str:
        if kwargs.get("local_files_only"):
            return str(real(repo_id, **kwargs))
        patterns = list(kwargs["allow_patterns"])  # type: ignore[call-overload]
        calls.append(patterns)
        wanted = [f for f in listed if any(fnmatch.fnmatchcase(f, p) for p in patterns)]
        files = {f: _vqav2_parquet(VQAV2_FILES[f]) for f in wanted}
        return str(build_hub_cache(offline_home, repo_id, str(kwargs["revision"]), files))

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_download)
    assert main(["data", "download", "vqav2"]) == 0
    (patterns,) = calls
    fetched = [f for f in listed if any(fnmatch.fnmatchcase(f, p) for p in patterns)]
    assert fetched == [f for f in VQAV2_FILES if f.startswith("data/validation-")]

    samples, where = read_split(the_card, "val", None)
    assert sorted(int(s.id) for s in samples) == [101, 102, 203]
    assert where.startswith("hub:hf-datasets:lmms-lab/VQAv2@")
    assert all(list(s.references) == ["yes"] * 10 for s in samples)
