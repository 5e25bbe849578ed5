"""Which adapter serves a Hugging Face checkpoint, decided from its ``config.json`` alone.

The decision needs no weights, so the runner can check capabilities before anything heavy
loads. Known model types map directly; other types fall back to what transformers registers
for them (image-text-to-text models are served as chat VLMs, models whose class has
``get_image_features`` and ``get_text_features`` as dual encoders).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.adapters.settings import (
    AnswerHeadSettings,
    CaptionerSettings,
    ChatSettings,
    DualEncoderSettings,
    LxmertSettings,
)
from bench.errors import UsageError

DUAL = "bench.adapters.hf_dual:HFDualEncoder"
CAPTIONER = "bench.adapters.hf_captioner:HFCaptioner"
CHAT = "bench.adapters.hf_chat:HFChatVLM"
VILT = "bench.adapters.hf_vilt:HFViltClassifier"
LXMERT = "bench.adapters.hf_lxmert:HFLxmertClassifier"


@dataclass(frozen=True)
class Family:
    """A served model family.

    Attributes:
        name: the family as recorded in settings (``clip``, ``blip-vqa``, ``qwen2_vl``...).
        adapter: ``module:Class`` of the adapter, imported only when needed.
        settings: the settings dataclass its ``--model-arg`` values parse into.
        model_type: the checkpoint's ``model_type``.
    """

    name: str
    adapter: str
    settings: type
    model_type: str


#: Dual encoders served by model type (anything else with the two feature methods works too).
DUAL_TYPES = frozenset({"clip", "siglip", "siglip2", "altclip", "chinese_clip", "metaclip_2"})
#: Chat VLMs with a tested recipe; other image-text-to-text types use the same path.
CHAT_TYPES = frozenset(
    {
        "idefics2",
        "idefics3",
        "smolvlm",
        "qwen2_vl",
        "qwen2_5_vl",
        "llava",
        "llava_next",
        "paligemma",
    }
)
_CAPTIONER_ARCHS = {
    "BlipForConditionalGeneration": "blip",
    "BlipForQuestionAnswering": "blip-vqa",
    "Blip2ForConditionalGeneration": "blip-2",
    "GitForCausalLM": "git",
    "VisionEncoderDecoderModel": "vision-encoder-decoder",
}
_CAPTIONER_TYPES = {
    "blip-2": "blip-2",
    "git": "git",
    "vision-encoder-decoder": "vision-encoder-decoder",
}


def supported_summary() -> str:
    """One line naming what ``hf:`` serves (for error messages)."""
    return (
        "dual encoders (CLIP, SigLIP, SigLIP 2...), BLIP / BLIP-VQA / BLIP-2 / GIT / "
        "VisionEncoderDecoder, ViLT and LXMERT answer heads, chat VLMs (SmolVLM / Idefics3, "
        "Qwen2-VL, LLaVA, PaliGemma...)"
    )


def detect_family(config: dict[str, Any], *, source: str, trust_remote_code: bool) -> Family:
    """The family serving the checkpoint whose parsed ``config.json`` is ``config``.

    Raises:
        UsageError: unsupported type or head, or custom code without ``--trust-remote-code``.
    """
    model_type = str(config.get("model_type", ""))
    archs = [str(a) for a in config.get("architectures") or []]
    arch = archs[0] if archs else ""
    if config.get("auto_map") and not trust_remote_code and not _known_type(model_type):
        raise UsageError(
            f"{source}: model type '{model_type}' needs code from its repository; "
            "pass --trust-remote-code only if you trust it"
        )
    if model_type in DUAL_TYPES:
        return Family(model_type, DUAL, DualEncoderSettings, model_type)
    if arch in _CAPTIONER_ARCHS:
        return Family(_CAPTIONER_ARCHS[arch], CAPTIONER, CaptionerSettings, model_type)
    if model_type == "blip":
        if arch in ("", "BlipModel"):
            return Family("blip-retrieval", DUAL, DualEncoderSettings, model_type)
        raise UsageError(f"{source}: BLIP head '{arch}' is not supported ({supported_summary()})")
    if model_type in _CAPTIONER_TYPES:
        return Family(_CAPTIONER_TYPES[model_type], CAPTIONER, CaptionerSettings, model_type)
    if model_type == "vilt":
        _require_head(arch, "ViltForQuestionAnswering", source)
        return Family("vilt", VILT, AnswerHeadSettings, model_type)
    if model_type == "lxmert":
        _require_head(arch, "LxmertForQuestionAnswering", source)
        return Family("lxmert", LXMERT, LxmertSettings, model_type)
    if model_type in CHAT_TYPES:
        return Family(model_type, CHAT, ChatSettings, model_type)
    return _fallback(config, model_type, arch, source)


def _require_head(arch: str, head: str, source: str) -> None:
    if arch != head:
        raise UsageError(
            f"{source}: architecture '{arch or 'unknown'}' has no answer head; "
            f"expected a '{head}' checkpoint"
        )


def _known_type(model_type: str) -> bool:
    if model_type in DUAL_TYPES or model_type in CHAT_TYPES:
        return True
    from transformers.models.auto.configuration_auto import (  # type: ignore[attr-defined]
        CONFIG_MAPPING_NAMES,
    )

    return model_type in CONFIG_MAPPING_NAMES


def _fallback(config: dict[str, Any], model_type: str, arch: str, source: str) -> Family:
    """Types without a dedicated entry: decide from transformers' own registries."""
    from transformers.models.auto.modeling_auto import MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES

    auto_map = config.get("auto_map") or {}
    if model_type in MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES or any(
        key in auto_map for key in ("AutoModelForImageTextToText", "AutoModelForVision2Seq")
    ):
        return Family(model_type, CHAT, ChatSettings, model_type)
    if _has_feature_methods(arch) or (auto_map.get("AutoModel") and not arch.endswith("LM")):
        return Family(model_type, DUAL, DualEncoderSettings, model_type)
    raise UsageError(
        f"{source}: model type '{model_type or 'unknown'}' ({arch or 'no architecture'}) is not "
        f"an image-text model modalbench can serve; supported: {supported_summary()}"
    )


def _has_feature_methods(arch: str) -> bool:
    if not arch:
        return False
    import transformers

    cls = getattr(transformers, arch, None)
    return cls is not None and all(
        callable(getattr(cls, m, None)) for m in ("get_image_features", "get_text_features")
    )
