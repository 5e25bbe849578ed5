"""Tiny word-level tokenizers and chat templates for the random test models (no hub access)."""

from __future__ import annotations

from collections.abc import Sequence

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
from transformers import BertTokenizer, PreTrainedTokenizerFast


def split_words(text: str) -> list[str]:
    """Whitespace-separated words of ``text``."""
    return text.split()


WORDS = split_words(
    "a an the of is are in on at and to with there it this what how many which where "
    "red green blue yellow purple orange gray grey colour color shape shapes circle circles "
    "square squares triangle triangles diamond diamonds cross crosses small large big "
    "top bottom left right center middle corner upper lower one two three yes no "
    "image picture photo describe sentence answer word question post sentiment feels "
    "negative neutral positive message user assistant system"
)
PUNCTUATION = list(".,?!:;'\"()-")

#: A generic chat template in the shape every chat processor renders (image, then text).
CHAT_TEMPLATE = (
    "{% for message in messages %}{{ message['role'] }}:"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}{% if part['type'] == 'image' %}<image>"
    "{% elif part['type'] == 'text' %} {{ part['text'] }}{% endif %}{% endfor %}{% endif %}"
    "<eot>\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}"
)

#: Qwen2-VL's layout: each image inside vision start/end markers.
QWEN_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}{% if part['type'] == 'image' %}"
    "<|vision_start|><|image_pad|><|vision_end|>{% elif part['type'] == 'text' %}"
    "{{ part['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def word_vocab(specials: Sequence[str]) -> dict[str, int]:
    """Special tokens first, then the word list and punctuation."""
    vocab: dict[str, int] = {}
    for token in [*specials, *WORDS, *PUNCTUATION]:
        vocab.setdefault(token, len(vocab))
    return vocab


def word_tokenizer(
    specials: Sequence[str],
    *,
    bos: str | None = None,
    eos: str | None = None,
    pad: str | None = None,
    unk: str = "<unk>",
    add_bos: bool = False,
    lowercase: bool = True,
) -> PreTrainedTokenizerFast:
    """A word-level fast tokenizer (lower-casing unless told not to; optionally adding BOS)."""
    vocab = word_vocab([unk, *specials])
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token=unk))
    if lowercase:
        backend.normalizer = normalizers.Lowercase()
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    if add_bos and bos is not None:
        backend.post_processor = processors.TemplateProcessing(
            single=f"{bos} $A", special_tokens=[(bos, vocab[bos])]
        )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token=unk, bos_token=bos, eos_token=eos, pad_token=pad
    )
    extra = [t for t in specials if t not in (unk, bos, eos, pad)]
    if extra:
        tokenizer.add_special_tokens({"additional_special_tokens": extra})
    return tokenizer


def bert_tokenizer(extra_specials: Sequence[str] = ()) -> BertTokenizer:
    """A word-level uncased BERT tokenizer ([PAD]=0, [UNK], [CLS], [SEP], [MASK])."""
    vocab = word_vocab(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tokenizer = BertTokenizer(vocab=vocab)
    if extra_specials:
        tokenizer.add_special_tokens({"additional_special_tokens": list(extra_specials)})
    return tokenizer


def clip_char_vocab() -> dict[str, int]:
    """A character-level CLIP BPE vocabulary (no merges): every letter alone or word-final."""
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in "abcdefghijklmnopqrstuvwxyz0123456789.,?!':;-":
        vocab[char] = len(vocab)
        vocab[f"{char}</w>"] = len(vocab)
    return vocab
