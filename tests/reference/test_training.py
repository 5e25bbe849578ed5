"""The training code behind ``modalbench train-reference``, run for a few steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.errors import UsageError
from bench.reference.training import TRAINED, TRAINING_FILE, TrainOptions, train_reference


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("trained")
    train_reference(out, TrainOptions(seed=1, steps=2, small_data=48))
    return out


def test_every_checkpoint_is_written_as_a_loadable_hf_folder(trained: Path) -> None:
    from transformers import AutoConfig

    for name in TRAINED:
        folder = trained / name
        assert (folder / "model.safetensors").is_file()
        assert not list(folder.glob("*.bin")), "weights must be safetensors only"
        assert (folder / "tokenizer.json").is_file()
        # transformers 5 saves a CLIPProcessor's image settings in processor_config.json
        assert {"preprocessor_config.json", "processor_config.json"} & {
            p.name for p in folder.iterdir()
        }
        config = AutoConfig.from_pretrained(folder)
        expected = "clip" if name == "shapes-clip" else "vision-encoder-decoder"
        assert config.model_type == expected
    assert not list(trained.glob(".*.partial"))


def test_training_record_names_seed_and_settings(trained: Path) -> None:
    record = json.loads((trained / "shapes-vqa" / TRAINING_FILE).read_text())
    assert record["seed"] == 1
    assert record["settings"]["model"]["steps"] == 2
    assert record["settings"]["questions"] == 48
    assert record["reproduce"] == "modalbench train-reference --seed 1"


def test_decoders_reuse_the_trained_clip_image_tower(trained: Path) -> None:
    from safetensors.torch import load_file

    clip = load_file(trained / "shapes-clip" / "model.safetensors")
    for name in ("shapes-captioner", "shapes-vqa"):
        weights = load_file(trained / name / "model.safetensors")
        tower = {
            k.removeprefix("encoder."): v for k, v in weights.items() if k.startswith("encoder.")
        }
        image_tower = {
            k.removeprefix("vision_model."): v
            for k, v in clip.items()
            if k.startswith("vision_model.")
        }
        assert set(tower) == set(image_tower)
        assert all((tower[k] == image_tower[k]).all() for k in tower)


def test_short_run_checkpoints_run_through_the_hf_adapter(trained: Path, tmp_path: Path) -> None:
    import bench
    from bench.errors import RunIncompleteError

    for task, name in (("shapes-retrieval", "shapes-clip"), ("shapes-vqa", "shapes-vqa")):
        try:
            (record,) = bench.run(
                tasks=[task],
                models=[f"hf:{trained / name}"],
                limit=8,
                out=tmp_path,
                use_cache=False,
                progress=False,
                bootstrap=0,
                num_workers=0,
            )
        except RunIncompleteError as exc:
            # 2 training steps may answer nothing: loaded and run, but no record to score
            assert task == "shapes-vqa" and "empty generation" in str(exc), exc
            continue
        assert record.task.name == task
        assert record.n_failed == 0 or task == "shapes-vqa"


def test_existing_output_is_not_overwritten_and_unknown_names_are_refused(trained: Path) -> None:
    with pytest.raises(UsageError, match="already exists"):
        train_reference(trained, TrainOptions(only=("shapes-vqa",), steps=1, small_data=8))
    with pytest.raises(UsageError, match="unknown model"):
        train_reference(trained, TrainOptions(only=("shapes-gan",)))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "-1"], "--seed must be >= 0"),
        (["--steps", "0"], "--steps must be at least 1"),
        (["--only", "shapes-gan"], "unknown model shapes-gan"),
    ],
)
def test_cli_refuses_bad_arguments_with_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bench.cli.main import main

    assert main(["train-reference", "--out", str(tmp_path / "m"), *args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "m").exists(), "nothing is created for a refused command"
