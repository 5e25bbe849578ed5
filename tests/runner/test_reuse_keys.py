"""The key of a finished evaluation: every input that decides a record changes it.

And the pre-load fingerprints it rests on: each handle names, before loading, exactly the
fingerprint its adapter reports after loading (or None where it cannot know).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bench.adapters.base import LoadOptions, ModelSpec, PreloadFingerprint
from bench.adapters.providers import HUGGING_FACE, OPEN_CLIP
from bench.capabilities import ImageBatch, LabeledBatch
from bench.records.schema import ErrorEntry, RunRecord
from bench.reference.provider import REFERENCE
from bench.registry import build_task
from bench.runner import reuse
from bench.runner.keys import package_digest
from bench.runner.plan import Job, RunConfig
from bench.runner.reuse import EvaluationKeys, FinishedEvaluations, storable
from bench.tasking import TaskData
from bench.types import Sample


class Embedder:
    """Structurally an ImageTextEmbedder (never called: only its class is inspected)."""

    def embed_images(self, images: ImageBatch) -> np.ndarray:
        raise NotImplementedError

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError


class Fittable:
    """Structurally a FittableClassifier."""

    def labels(self) -> Sequence[str]:
        raise NotImplementedError

    def classify(self, images: ImageBatch, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def fit(self, batches: Iterable[LabeledBatch], *, seed: int) -> None:
        raise NotImplementedError

    def fit_settings(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class FakeHandle:
    spec: ModelSpec
    adapter_class: type
    weights: str | None = "sha256:weights"

    def load(self, options: LoadOptions) -> Any:
        raise AssertionError("keys never load")

    def fingerprint(self) -> str | None:
        return self.weights


@dataclass(frozen=True)
class OpaqueHandle:
    """A third-party handle without a pre-load fingerprint."""

    spec: ModelSpec
    adapter_class: type

    def load(self, options: LoadOptions) -> Any:
        raise AssertionError("keys never load")


def task_data(fingerprint: str = "data", train: tuple[Sample, ...] | None = None) -> TaskData:
    return TaskData(
        samples=(),
        fingerprint=fingerprint,
        source="builtin:shapes",
        split="test",
        train=None if train is None else (lambda: train),
    )


TRAIN = (Sample(id="t1", image=None, text="a post", label="positive"),)
OTHER_TRAIN = (Sample(id="t1", image=None, text="a post", label="negative"),)


def key_of(
    *,
    handle: Any = None,
    data: TaskData | None = None,
    config: RunConfig | None = None,
    device: str = "cpu",
    dtype: str = "fp32",
    card_path: Path | None = None,
) -> str | None:
    task = build_task("shapes-sentiment")
    if card_path is not None:
        task = replace(task, card=replace(task.card, path=card_path))  # type: ignore[type-var]
    handle = handle or FakeHandle(ModelSpec("toy", "m"), Embedder)
    keys = EvaluationKeys(config or RunConfig(), device=device, dtype=dtype)
    return keys.key(Job(task, handle), data or task_data(train=TRAIN))


def test_equal_inputs_give_equal_keys() -> None:
    assert key_of() is not None
    assert key_of() == key_of()


CHANGES: dict[str, Callable[[], str | None]] = {
    "weights": lambda: key_of(handle=FakeHandle(ModelSpec("toy", "m"), Embedder, "sha256:new")),
    "spec": lambda: key_of(handle=FakeHandle(ModelSpec("toy", "other"), Embedder)),
    "model-arg": lambda: key_of(
        handle=FakeHandle(ModelSpec("toy", "m", {"dtype": "bf16"}), Embedder)
    ),
    "trust_remote_code": lambda: key_of(
        handle=FakeHandle(ModelSpec("toy", "m", trust_remote_code=True), Embedder)
    ),
    "data": lambda: key_of(data=task_data("other", train=TRAIN)),
    "seed": lambda: key_of(config=RunConfig(seed=1)),
    "limit": lambda: key_of(config=RunConfig(limit=5)),
    "bootstrap": lambda: key_of(config=RunConfig(bootstrap=10)),
    "device": lambda: key_of(device="cuda:0"),
    "dtype": lambda: key_of(dtype="bf16"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_input_changes_the_key(change: str) -> None:
    changed = CHANGES[change]()
    assert changed is not None
    assert changed != key_of()


def test_options_outside_the_result_keep_the_key() -> None:
    config = RunConfig(batch_size=3, num_workers=0, max_failures=0.5, progress=False)
    assert key_of(config=config) == key_of()
    assert key_of(device="cuda:0") == key_of(device="cuda:1")


def test_card_bytes_are_part_of_the_key(tmp_path: Path) -> None:
    card = tmp_path / "card.toml"
    card.write_text(build_task("shapes-sentiment").card.path.read_text())
    before = key_of(card_path=card)
    card.write_text(card.read_text() + "\n# edited\n")
    assert key_of(card_path=card) != before


def test_the_train_split_counts_only_for_fittable_models() -> None:
    fittable = FakeHandle(ModelSpec("toy", "m"), Fittable)
    assert key_of(handle=fittable, data=task_data(train=OTHER_TRAIN)) != key_of(
        handle=fittable, data=task_data(train=TRAIN)
    )
    assert key_of(data=task_data(train=OTHER_TRAIN)) == key_of(data=task_data(train=TRAIN))


@dataclass(frozen=True)
class MissingModelHandle(FakeHandle):
    """A handle whose weights are not on disk: only loading says so properly."""

    def fingerprint(self) -> str | None:
        raise FileNotFoundError("no weights cached for toy:m")


def test_no_key_without_a_pre_load_fingerprint(tmp_path: Path) -> None:
    assert key_of(handle=FakeHandle(ModelSpec("toy", "m"), Embedder, None)) is None
    assert key_of(handle=MissingModelHandle(ModelSpec("toy", "m"), Embedder)) is None
    assert key_of(card_path=tmp_path / "no-such-card.toml") is None
    opaque = OpaqueHandle(ModelSpec("toy", "m"), Embedder)
    assert not isinstance(opaque, PreloadFingerprint)
    assert key_of(handle=opaque) is None


def test_package_digest_follows_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "digest_probe_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    first = package_digest("digest_probe_pkg")
    assert first is not None
    assert package_digest("digest_probe_pkg") == first
    # Edited in the same process (a notebook reloading code): the digest follows.
    (package / "__init__.py").write_text("X = 2  # edited\n")
    assert package_digest("digest_probe_pkg") not in (None, first)
    (package / "helpers.py").write_text("Y = 1\n")
    assert package_digest("digest_probe_pkg") not in (None, first)
    assert package_digest("no_such_package_here") is None


def test_which_optional_metrics_can_run_is_part_of_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = key_of()
    monkeypatch.setattr(
        reuse, "unavailable_metrics", lambda: {"METEOR": "no `java` executable", "SPICE": "x"}
    )
    assert key_of() != before


def _record(errors: list[ErrorEntry]) -> RunRecord:
    fields = {f.name: None for f in dataclasses.fields(RunRecord)}
    return RunRecord(**{**fields, "errors": errors})  # type: ignore[arg-type]


def test_only_evaluations_without_failed_model_calls_are_stored() -> None:
    assert storable(_record([]))
    assert storable(_record([ErrorEntry("s1", "data", "image: file not found: a.png")]))
    assert not storable(_record([ErrorEntry("s1", "image-embedding", "model call failed")]))


def test_a_missing_stored_evaluation_is_a_miss(tmp_path: Path) -> None:
    store = FinishedEvaluations(tmp_path)
    assert store.get("ab" * 32) is None


def test_reference_handles_know_their_fingerprint_before_loading() -> None:
    clip = REFERENCE.resolve(ModelSpec("ref", "shapes-clip"))
    assert isinstance(clip, PreloadFingerprint)
    before = clip.fingerprint()
    assert before is not None and before.startswith("sha256:")
    assert clip.load(LoadOptions()).fingerprint() == before

    probe = REFERENCE.resolve(ModelSpec("ref", "shapes-sentiment-early-fusion"))
    other = REFERENCE.resolve(ModelSpec("ref", "shapes-sentiment-late-fusion"))
    assert isinstance(probe, PreloadFingerprint) and isinstance(other, PreloadFingerprint)
    probe_print = probe.fingerprint()
    assert probe_print is not None and probe_print.startswith(before + "+probe:early:")
    assert other.fingerprint() != probe_print


def test_open_clip_handles_know_their_fingerprint_before_loading(tmp_path: Path) -> None:
    import tiny_openclip

    folder = tiny_openclip.build(tmp_path / "clip")
    handle = OPEN_CLIP.resolve(ModelSpec("openclip", f"local-dir:{folder}"))
    assert handle.fingerprint() == handle.load(LoadOptions()).fingerprint()


def test_settings_naming_other_files_defer_the_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(
        '{"model_type": "lxmert", "architectures": ["LxmertForQuestionAnswering"]}'
    )
    handle = HUGGING_FACE.resolve(ModelSpec("hf", str(tmp_path), {"features": "regions.tsv"}))
    assert handle.fingerprint() is None
