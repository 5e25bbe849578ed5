"""The word-level tokenizer shared by the reference models.

The shapes suite has a closed vocabulary of a few hundred words, so a word-level tokenizer
(lower-cased, split on words and punctuation) is all the models need. It is saved as a
standard ``tokenizer.json`` + ``tokenizer_config.json`` pair that ``AutoTokenizer`` loads
as a fast tokenizer, so the bundled checkpoints need no custom code.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

PAD, UNK, BOS, EOS = "[PAD]", "[UNK]", "[BOS]", "[EOS]"
#: Special tokens, in id order. EOS is deliberately not id 2: CLIP treats ``eos_token_id == 2``
#: as a legacy marker and would pool on the highest id instead of the EOS position.
SPECIAL_TOKENS = (PAD, UNK, BOS, EOS)
PAD_ID, UNK_ID, BOS_ID, EOS_ID = range(len(SPECIAL_TOKENS))
#: Longest text the models accept, in tokens (captions reach about 40 with punctuation).
MAX_LENGTH = 64

# Same split as the ``Whitespace`` pre-tokenizer: runs of word characters, runs of the rest.
_WORDS = re.compile(r"\w+|[^\w\s]+")


def words(text: str) -> list[str]:
    """The tokens of ``text`` as the tokenizer splits it (lower-cased)."""
    return _WORDS.findall(text.lower())


def build_vocab(texts: Iterable[str], *, min_count: int = 1) -> list[str]:
    """Special tokens, then every word seen at least ``min_count`` times.

    Words are ordered by decreasing count, ties alphabetically, so the same corpus always
    gives the same ids.
    """
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(words(text))
    kept = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
    return [*SPECIAL_TOKENS, *(w for w in kept if w not in SPECIAL_TOKENS)]


def make_tokenizer(vocab: list[str], *, max_length: int = MAX_LENGTH) -> PreTrainedTokenizerFast:
    """A fast word-level tokenizer over ``vocab`` that wraps texts as ``[BOS] ... [EOS]``.

    Decoding joins words with spaces and re-attaches common punctuation.
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    if list(vocab[: len(SPECIAL_TOKENS)]) != list(SPECIAL_TOKENS):
        raise ValueError(f"the vocabulary must start with {SPECIAL_TOKENS}")
    ids = {word: i for i, word in enumerate(vocab)}
    backend = Tokenizer(models.WordLevel(ids, unk_token=UNK))
    backend.normalizer = normalizers.Lowercase()
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    # No word carries the "##" prefix, so this only joins with spaces and cleans punctuation.
    backend.decoder = decoders.WordPiece(prefix="##", cleanup=True)
    backend.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A {EOS}",
        pair=f"{BOS} $A {EOS} $B {EOS}",
        special_tokens=[(BOS, BOS_ID), (EOS, EOS_ID)],
    )
    return PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=backend,
        pad_token=PAD,
        unk_token=UNK,
        bos_token=BOS,
        eos_token=EOS,
        model_max_length=max_length,
    )
