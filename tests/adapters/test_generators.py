"""Captioners and chat VLMs against the documented transformers recipes; batch independence."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from conftest import CAPTIONERS, CHAT_VLMS

from bench.adapters.base import LoadOptions, ModelSpec
from bench.adapters.providers import HUGGING_FACE
from bench.adapters.text import short_answer
from bench.errors import UsageError

PROMPTS = ["", "what colour is the shape?", "how many shapes are there?", "", "where is it?"]
N_NEW = 6


def _prepare(adapter: Any, images: list[Any]) -> Any:
    return (
        adapter.image_preprocessor()(images) if hasattr(adapter, "image_preprocessor") else images
    )


@pytest.mark.parametrize("name", CAPTIONERS + CHAT_VLMS)
def test_batched_equals_one_by_one(
    name: str, load_hf: Callable[..., Any], shapes_images: list[Any]
) -> None:
    adapter = load_hf(name)
    images = shapes_images[: len(PROMPTS)]
    together = adapter.generate(_prepare(adapter, images), PROMPTS, max_new_tokens=N_NEW)
    alone = [
        adapter.generate(_prepare(adapter, [image]), [prompt], max_new_tokens=N_NEW)[0]
        for image, prompt in zip(images, PROMPTS, strict=True)
    ]
    assert together == alone
    assert all(isinstance(text, str) for text in together)


@pytest.mark.parametrize("name", ["git", "qwen2_vl", "llava", "blip-2"])
def test_untied_tiny_decoders_write_words(
    name: str, load_hf: Callable[..., Any], shapes_images: list[Any]
) -> None:
    adapter = load_hf(name)
    texts = adapter.generate(_prepare(adapter, shapes_images[:2]), ["", ""], max_new_tokens=N_NEW)
    assert all(text.strip() for text in texts), texts


def _reference(model: Any, processor: Any, inputs: dict[str, Any], prompt_ids: Any) -> str:
    """Decode everything the model returns, then drop the echoed prompt text."""
    with torch.inference_mode():
        output = model.generate(**inputs, max_new_tokens=N_NEW, do_sample=False, num_beams=1)
    tokenizer = getattr(processor, "tokenizer", processor)
    full = tokenizer.decode(output[0], skip_special_tokens=True)
    prefix = (
        tokenizer.decode(prompt_ids, skip_special_tokens=True) if prompt_ids is not None else ""
    )
    assert full.startswith(prefix)
    return " ".join(full[len(prefix) :].split())


def _auto(folder: Path, auto: str) -> tuple[Any, Any]:
    import transformers

    model = getattr(transformers, auto).from_pretrained(folder).eval()
    try:
        processor = transformers.AutoProcessor.from_pretrained(folder)
    except (OSError, ValueError):
        processor = transformers.AutoTokenizer.from_pretrained(folder)
    return model, processor


@pytest.mark.parametrize("prompt", ["", "what colour is the shape?"])
@pytest.mark.parametrize("name", ["blip", "git", "blip-2"])
def test_prefix_captioners_match_the_documented_recipe(
    name: str,
    prompt: str,
    load_hf: Callable[..., Any],
    tiny_model: Callable[[str], Path],
    shapes_images: list[Any],
) -> None:
    adapter = load_hf(name, short_answers="false")
    model, processor = _auto(tiny_model(name), "AutoModelForImageTextToText")
    image = shapes_images[1]
    text = f"Question: {prompt} Answer:" if name == "blip-2" and prompt else prompt
    if name == "git":
        ids = [
            processor.tokenizer.cls_token_id,
            *processor.tokenizer(text, add_special_tokens=False).input_ids,
        ]
        pixels = processor(images=[image], return_tensors="pt").pixel_values
        inputs = {"pixel_values": pixels, "input_ids": torch.tensor([ids])}
        prompt_ids: Any = ids
    elif name == "blip" and not prompt:
        inputs = dict(processor(images=[image], return_tensors="pt"))
        prompt_ids = None
    else:
        inputs = dict(processor(images=[image], text=[text], return_tensors="pt"))
        prompt_ids = inputs["input_ids"][0]
    expected = _reference(model, processor, inputs, prompt_ids)
    got = adapter.generate(_prepare(adapter, [image]), [prompt], max_new_tokens=N_NEW)
    assert got == [expected]


def test_blip_vqa_matches_the_documented_recipe(
    load_hf: Callable[..., Any], tiny_model: Callable[[str], Path], shapes_images: list[Any]
) -> None:
    adapter = load_hf("blip-vqa", short_answers="false")
    model, processor = _auto(tiny_model("blip-vqa"), "AutoModelForVisualQuestionAnswering")
    questions = ["what colour is the shape?", "how many?"]
    expected = [
        _reference(
            model, processor, dict(processor(images=[im], text=[q], return_tensors="pt")), None
        )
        for im, q in zip(shapes_images[:2], questions, strict=True)
    ]
    got = adapter.generate(_prepare(adapter, shapes_images[:2]), questions, max_new_tokens=N_NEW)
    assert got == expected


def test_vision_encoder_decoder_matches_generate(
    load_hf: Callable[..., Any], tiny_model: Callable[[str], Path], shapes_images: list[Any]
) -> None:
    from transformers import AutoImageProcessor, AutoTokenizer, VisionEncoderDecoderModel

    folder = tiny_model("vision-encoder-decoder")
    model = VisionEncoderDecoderModel.from_pretrained(folder).eval()
    tokenizer = AutoTokenizer.from_pretrained(folder)
    pixels = AutoImageProcessor.from_pretrained(folder)(shapes_images[:3], return_tensors="pt")
    with torch.inference_mode():
        output = model.generate(
            pixel_values=pixels.pixel_values, max_new_tokens=N_NEW, do_sample=False
        )
    expected = [
        " ".join(t.split()) for t in tokenizer.batch_decode(output, skip_special_tokens=True)
    ]
    adapter = load_hf("vision-encoder-decoder")
    assert adapter.generate(pixels, ["", "", ""], max_new_tokens=N_NEW) == expected


@pytest.mark.parametrize("name", ["qwen2_vl", "idefics3", "llava_next"])
def test_chat_vlms_match_the_documented_recipe(
    name: str,
    load_hf: Callable[..., Any],
    tiny_model: Callable[[str], Path],
    shapes_images: list[Any],
) -> None:
    adapter = load_hf(name)
    model, processor = _auto(tiny_model(name), "AutoModelForImageTextToText")
    question = "what colour is the shape?"
    messages = [
        {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": question}]}
    ]
    text = processor.apply_chat_template(messages, add_generation_prompt=True)
    images: Any = [[shapes_images[0]]] if name == "idefics3" else [shapes_images[0]]
    inputs = processor(text=[text], images=images, return_tensors="pt")
    with torch.inference_mode():
        output = model.generate(**inputs, max_new_tokens=N_NEW, do_sample=False)
    new = output[0, inputs["input_ids"].shape[1] :]
    expected = short_answer(processor.decode(new, skip_special_tokens=True))
    assert adapter.generate([shapes_images[0]], [question], max_new_tokens=N_NEW) == [expected]


def test_paligemma_uses_its_task_prefixes(load_hf: Callable[..., Any]) -> None:
    adapter = load_hf("paligemma")
    assert adapter.render("") == "caption en"
    assert adapter.render("what colour?") == "answer en what colour?"
    assert adapter.settings()["chat_template_sha256"] is None


def test_chat_prompt_goes_in_a_user_turn_after_the_image(load_hf: Callable[..., Any]) -> None:
    adapter = load_hf("llava")
    assert adapter.render("how many?") == "user:<image> how many?<eot>\nassistant:"
    assert (
        adapter.render("") == "user:<image> Describe this image in one sentence.<eot>\nassistant:"
    )
    custom = load_hf("llava", caption_prompt="Caption it.", system_prompt="Be brief.")
    assert custom.render("") == "system: Be brief.<eot>\nuser:<image> Caption it.<eot>\nassistant:"
    assert custom.settings()["caption_prompt"] == "Caption it."


def test_short_answers_can_be_turned_off(
    load_hf: Callable[..., Any], shapes_images: list[Any]
) -> None:
    raw = load_hf("git", short_answers="false")
    short = load_hf("git")
    prompts = ["what colour is the shape?"] * 2
    raw_out = raw.generate(_prepare(raw, shapes_images[:2]), prompts, max_new_tokens=N_NEW)
    assert short.generate(_prepare(short, shapes_images[:2]), prompts, max_new_tokens=N_NEW) == [
        short_answer(text) for text in raw_out
    ]


def test_max_new_tokens_setting_overrides_the_task(
    load_hf: Callable[..., Any], shapes_images: list[Any]
) -> None:
    adapter = load_hf("qwen2_vl", max_new_tokens="2")
    texts = adapter.generate(shapes_images[:3], ["", "", ""], max_new_tokens=20)
    assert all(len(text.split()) <= 2 for text in texts), texts
    assert adapter.settings()["max_new_tokens"] == 2


def test_beam_search_is_a_recorded_setting(
    load_hf: Callable[..., Any], shapes_images: list[Any]
) -> None:
    adapter = load_hf("git", num_beams="2")
    assert (
        len(adapter.generate(_prepare(adapter, shapes_images[:2]), ["", ""], max_new_tokens=4)) == 2
    )
    settings = adapter.settings()
    assert settings["num_beams"] == 2 and settings["do_sample"] is False
    assert settings["family"] == "git" and settings["weight_dtype"] == "fp32"


def test_missing_chat_template_is_refused(tmp_path: Path) -> None:
    from tiny_chat import build_llava

    folder = build_llava(tmp_path / "llava", chat_template=None)
    (folder / "chat_template.jinja").unlink(missing_ok=True)
    handle = HUGGING_FACE.resolve(ModelSpec("hf", str(folder)))
    with pytest.raises(UsageError, match="no chat template"):
        handle.load(LoadOptions())


def test_weights_for_another_head_are_refused(
    tiny_model: Callable[[str], Path], tmp_path: Path
) -> None:
    folder = tmp_path / "blip"
    shutil.copytree(tiny_model("blip"), folder)
    config = json.loads((folder / "config.json").read_text())
    config["architectures"] = ["BlipForQuestionAnswering"]
    (folder / "config.json").write_text(json.dumps(config))
    handle = HUGGING_FACE.resolve(ModelSpec("hf", str(folder)))
    assert handle.family.name == "blip-vqa"
    with pytest.raises(UsageError, match="missing keys"):
        handle.load(LoadOptions())


@pytest.mark.parametrize(
    ("removed", "needle"),
    [
        # transformers would silently build an empty tokenizer here
        (("tokenizer.json", "tokenizer_config.json"), "no tokenizer files"),
        (("processor_config.json",), "cannot load the processor"),
    ],
)
def test_missing_processor_parts_are_named(
    removed: tuple[str, ...], needle: str, tiny_model: Callable[[str], Path], tmp_path: Path
) -> None:
    folder = tmp_path / "git"
    shutil.copytree(tiny_model("git"), folder)
    for name in removed:
        (folder / name).unlink()
    handle = HUGGING_FACE.resolve(ModelSpec("hf", str(folder)))
    with pytest.raises(UsageError, match=needle) as info:
        handle.load(LoadOptions())
    assert str(folder) in str(info.value)


def test_tokenizer_larger_than_the_model_is_a_mismatch(
    tiny_model: Callable[[str], Path], tmp_path: Path
) -> None:
    from transformers import AutoProcessor

    folder = tmp_path / "qwen"
    shutil.copytree(tiny_model("qwen2_vl"), folder)
    processor = AutoProcessor.from_pretrained(folder)
    processor.tokenizer.add_tokens([f"extra{i}" for i in range(50)])
    processor.save_pretrained(folder)
    handle = HUGGING_FACE.resolve(ModelSpec("hf", str(folder)))
    with pytest.raises(UsageError, match="processor/model mismatch"):
        handle.load(LoadOptions())
