"""Reproducing every bundled checkpoint from a seed (``modalbench train-reference``).

The three checkpoint models are trained one after another on the shapes train splits and
written as standard Hugging Face folders, each with a ``reference_training.json`` naming the
seed and every setting. The probe models need no training here: their heads are fitted at
evaluation time.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.errors import UsageError
from bench.reference.progress import Report, quiet
from bench.reference.seq2seq import save_seq2seq
from bench.reference.tokenizer import build_vocab, make_tokenizer
from bench.reference.train_captioner import CaptionerSettings, train_captioner
from bench.reference.train_clip import ClipSettings, save_clip, train_clip
from bench.reference.train_vqa import VQASettings, train_vqa
from bench.reference.vocabulary import vocabulary_corpus

if TYPE_CHECKING:
    from transformers import CLIPModel, PreTrainedTokenizerFast

#: The checkpoint models this command trains, in training order.
TRAINED = ("shapes-clip", "shapes-captioner", "shapes-vqa")
TRAINING_FILE = "reference_training.json"


@dataclass(frozen=True)
class TrainOptions:
    """What to train and how.

    Attributes:
        seed: model seed (initialisation, batch order) and data seed of the shapes splits.
        only: names to train (default: all of :data:`TRAINED`).
        steps: override every model's optimisation steps (short runs in tests).
        small_data: use at most this many images/questions per model (short runs in tests).
    """

    seed: int = 0
    only: tuple[str, ...] = ()
    steps: int | None = None
    small_data: int | None = None


def default_settings(options: TrainOptions) -> dict[str, Any]:
    """The settings of each trained model for ``options`` (the shipped recipe by default)."""
    clip = ClipSettings(seed=options.seed, data_seed=options.seed)
    captioner = CaptionerSettings(data_seed=options.seed)
    captioner = replace(captioner, model=replace(captioner.model, seed=options.seed))
    vqa = VQASettings(data_seed=options.seed)
    vqa = replace(vqa, model=replace(vqa.model, seed=options.seed))
    if options.steps is not None:
        warm = max(1, options.steps // 10)
        clip = replace(clip, steps=options.steps, warmup_steps=warm)
        captioner = replace(
            captioner, model=replace(captioner.model, steps=options.steps, warmup_steps=warm)
        )
        vqa = replace(vqa, model=replace(vqa.model, steps=options.steps, warmup_steps=warm))
    if options.small_data is not None:
        n = options.small_data
        clip = replace(
            clip,
            retrieval_images=min(clip.retrieval_images, n),
            face_images=min(clip.face_images, n),
        )
        captioner = replace(captioner, images=min(captioner.images, n))
        vqa = replace(vqa, questions=min(vqa.questions, n))
    return {"shapes-clip": clip, "shapes-captioner": captioner, "shapes-vqa": vqa}


def shared_tokenizer(seed: int) -> PreTrainedTokenizerFast:
    """The word-level tokenizer over the train splits' vocabulary for data seed ``seed``."""
    return make_tokenizer(build_vocab(vocabulary_corpus(seed)))


def _write_record(folder: Path, name: str, seed: int, settings: Any) -> None:
    record = {
        "model": f"ref:{name}",
        "seed": seed,
        "data": "shapes train splits (bench.data.shapes.load_split, split='train')",
        "settings": asdict(settings),
        "reproduce": f"modalbench train-reference --seed {seed}",
    }
    (folder / TRAINING_FILE).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")


def _load_clip(folder: Path) -> CLIPModel:
    """A trained shapes-clip checkpoint, for the encoder-decoder models built on its tower."""
    from transformers import CLIPModel

    if not (folder / "config.json").is_file():
        raise UsageError(
            f"{folder}: no shapes-clip checkpoint to build on (train shapes-clip first, "
            "or drop --only)"
        )
    model: CLIPModel = CLIPModel.from_pretrained(folder)
    model.eval()  # type: ignore[no-untyped-call]
    return model


def _train_one(
    name: str,
    tokenizer: PreTrainedTokenizerFast,
    settings: Any,
    folder: Path,
    clip: CLIPModel | None,
    report: Report,
) -> CLIPModel | None:
    """Train and save one model; returns the CLIP model when that is what was trained."""
    if name == "shapes-clip":
        model = train_clip(tokenizer, settings, report=report)
        save_clip(model, tokenizer, settings, folder)
        return model
    assert clip is not None
    if name == "shapes-captioner":
        save_seq2seq(train_captioner(tokenizer, clip, settings, report=report), tokenizer, folder)
    else:
        save_seq2seq(train_vqa(tokenizer, clip, settings, report=report), tokenizer, folder)
    return None


def _checked(only: Sequence[str]) -> tuple[str, ...]:
    unknown = [n for n in only if n not in TRAINED]
    if unknown:
        raise UsageError(
            f"train-reference: unknown model {', '.join(unknown)} (trainable: {', '.join(TRAINED)})"
        )
    return tuple(n for n in TRAINED if not only or n in only)


def train_reference(
    out: Path,
    options: TrainOptions = TrainOptions(),
    *,
    report: Report = quiet,
    replace_existing: bool = False,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Train the requested checkpoint models into ``out/<name>/``; returns seconds per model.

    A model folder is written to a temporary sibling first and moved into place when
    complete. An existing folder is an error unless ``replace_existing``.
    """
    names = _checked(options.only)
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        if (out / name).exists() and not replace_existing:
            raise UsageError(f"{out / name} already exists (pass --install or another --out)")
    started = clock()
    tokenizer = shared_tokenizer(options.seed)
    timings = {"tokenizer": clock() - started}
    report(f"vocabulary: {len(tokenizer)} tokens ({timings['tokenizer']:.0f}s)")
    settings = default_settings(options)
    clip = None if "shapes-clip" in names else _load_clip(out / "shapes-clip")
    for name in names:
        began = clock()
        partial = out / f".{name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        trained = _train_one(name, tokenizer, settings[name], partial, clip, report)
        clip = trained if trained is not None else clip
        _write_record(partial, name, options.seed, settings[name])
        shutil.rmtree(out / name, ignore_errors=True)
        partial.rename(out / name)
        timings[name] = clock() - began
        report(f"{name}: written to {out / name} ({timings[name]:.0f}s)")
    timings["total"] = clock() - started
    return timings
