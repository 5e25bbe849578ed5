"""Typed --model-arg parsing, and the pure text helpers of the generating adapters."""

from __future__ import annotations

import pytest

from bench.adapters.settings import (
    CaptionerSettings,
    ChatSettings,
    DualEncoderSettings,
    LxmertSettings,
    parse_settings,
)
from bench.adapters.text import apply_template, clean_caption, group_by_length, short_answer
from bench.errors import UsageError


def test_values_convert_to_the_field_types() -> None:
    settings = parse_settings(
        CaptionerSettings,
        {
            "max_new_tokens": "12",
            "num_beams": "3",
            "short_answers": "false",
            "dtype": "bf16",
            "revision": "v1.0",
            "image_size": "224",
        },
        family="blip",
    )
    assert settings == CaptionerSettings(
        max_new_tokens=12,
        num_beams=3,
        short_answers=False,
        dtype="bf16",
        revision="v1.0",
        image_size=224,
    )


def test_defaults_are_greedy_and_follow_the_task() -> None:
    settings = parse_settings(ChatSettings, {}, family="llava")
    assert settings.num_beams == 1
    assert settings.max_new_tokens is None
    assert settings.short_answers is True


@pytest.mark.parametrize("raw", ["none", "auto", ""])
def test_optional_values_reset_to_the_family_default(raw: str) -> None:
    assert (
        parse_settings(DualEncoderSettings, {"lowercase": raw}, family="siglip").lowercase is None
    )


def test_booleans_accept_the_usual_spellings() -> None:
    for raw, expected in [("yes", True), ("1", True), ("On", True), ("no", False), ("0", False)]:
        parsed = parse_settings(DualEncoderSettings, {"lowercase": raw}, family="clip")
        assert parsed.lowercase is expected


def test_unknown_key_lists_the_known_ones() -> None:
    with pytest.raises(UsageError) as info:
        parse_settings(DualEncoderSettings, {"num_beams": "2"}, family="clip")
    message = str(info.value)
    assert "num_beams" in message and "clip" in message
    assert "lowercase" in message and "padding" in message and "revision" in message


@pytest.mark.parametrize(
    ("args", "key"),
    [
        ({"num_beams": "two"}, "num_beams"),
        ({"short_answers": "maybe"}, "short_answers"),
        ({"dtype": "fp8"}, "dtype"),
        ({"num_beams": "0"}, "num_beams"),
        ({"prompt_template": "Q: {question}"}, "prompt_template"),
    ],
)
def test_bad_values_name_their_key(args: dict[str, str], key: str) -> None:
    with pytest.raises(UsageError, match=key):
        parse_settings(CaptionerSettings, args, family="blip")


def test_lxmert_regions_are_checked() -> None:
    with pytest.raises(UsageError, match="regions"):
        parse_settings(LxmertSettings, {"regions": "boxes"}, family="lxmert")
    assert parse_settings(LxmertSettings, {"max_boxes": "10"}, family="lxmert").max_boxes == 10


def test_padding_is_checked() -> None:
    with pytest.raises(UsageError, match="padding"):
        parse_settings(DualEncoderSettings, {"padding": "left"}, family="siglip")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Blue.", "Blue"),
        ("  two  \n", "two"),
        ("yes\nBecause the circle is red.", "yes"),
        ("\n\nred!\n", "red"),
        ("top left.", "top left"),
        ("3", "3"),
        ("", ""),
        ('"circle"', "circle"),
    ],
)
def test_short_answer(raw: str, expected: str) -> None:
    assert short_answer(raw) == expected


def test_clean_caption_keeps_punctuation_and_collapses_spaces() -> None:
    assert clean_caption("  a red  circle.\nOn the left. ") == "a red circle. On the left."


def test_template_replaces_only_the_prompt_marker() -> None:
    assert apply_template("Question: {prompt} Answer:", "what?") == "Question: what? Answer:"
    assert apply_template("{prompt} {json}", "x") == "x {json}"


def test_group_by_length_keeps_first_appearance_order() -> None:
    assert group_by_length([3, 5, 3, 4, 5, 3]) == [[0, 2, 5], [1, 4], [3]]
    assert group_by_length([]) == []
