"""The pure-Python PTB tokenizer gives the Java tokenizer's tokens (pycocoevalcap's form)."""

from __future__ import annotations

import random

import pytest
from metric_corpora import fuzz_sentence, sentence_corpus, varied_sentences

from bench.metrics import ptb_chunks
from bench.metrics.java_tools import java_ptb_tokenize
from bench.metrics.ptb_tokenizer import ptb_tokenize, ptb_tokenize_slow

# (caption, tokens as pycocoevalcap returns them) -- checked against the jar below too
HAND_CASES = [
    ("A man's dog isn't \"great\" (really).", "a man 's dog is n't great -lrb- really -rrb-"),
    (
        "I'm gonna see Mr. Smith at 3:30 p.m. in the U.S.",
        "i 'm gon na see mr. smith at 3:30 p.m. in the u.s.",
    ),
    ("The dog cannot run; it's 3.5 miles--far!", "the dog can not run it 's 3.5 miles far"),
    ("Wait... what?! Really?? No!!! Ok.", "wait what ?! really ?? no !!! ok"),
    ("a - b -- c --- d ---- e ----- f", "a b c d e ----- f"),
    ("x [a] {b} *star* a=b", "x -lsb- a -rsb- -lcb- b -rcb- * star * a = b"),
    ("$5.00 £3 €4 50% #1 ½", "$ 5.00 # 3 $ 4 50 % # 1 1/2"),
    ("it’s “curly” – en — em …", "it 's curly en em"),
    ("'Tis y'all o'clock rock'n'roll cont'd.", "'t is y' all o'clock rock 'n' roll cont'd."),
    ("Etc. The Inc. Jan. 5", "etc. the inc. jan. 5"),
    ("5 7/8 and 555 123 4567", "5\u00a07/8 and 555\u00a0123\u00a04567"),
    ("emoji 😀 here", "emoji here"),
    (
        "Bldg. 5 and No. 5, No. x Prop. Thur. Mme. Pte. Ltd.",
        "bldg. 5 and no. 5 no x prop thur mme. pte. ltd.",
    ),
    ("MFG. Mfg. Del. del. PTY. Pty. tex.", "mfg mfg. del. del pty pty. tex"),
    ("see http://a.org/b\u00a0", "see http://a.org/b"),
    ("9,anti-war and 9,anti war", "9,anti-war and 9 anti war"),
    ("", ""),
    ("   ", ""),
]


@pytest.mark.parametrize(("caption", "expected"), HAND_CASES)
def test_hand_cases(caption: str, expected: str) -> None:
    assert ptb_tokenize([caption]) == [expected]
    assert ptb_tokenize_slow([caption]) == [expected]


def test_hand_cases_match_the_jar(java: str) -> None:
    captions = [c for c, _ in HAND_CASES]
    assert java_ptb_tokenize(captions) == [e for _, e in HAND_CASES]


def test_shortcuts_never_change_the_result() -> None:
    rng = random.Random(11)
    lines = sentence_corpus(3000, seed=11) + [fuzz_sentence(rng) for _ in range(2000)]
    assert ptb_tokenize(lines) == ptb_tokenize_slow(lines)


def test_last_caption_sees_end_of_input_like_the_jar(java: str) -> None:
    # at the end of input "'VE" is a left quote then a word, not the suffix 've
    captions = ["x 'VE", "it's", "Jr."]
    for i in range(len(captions)):
        batch = captions[: i + 1]
        assert ptb_tokenize(batch) == java_ptb_tokenize(batch)


def test_line_breaks_inside_a_caption_do_not_shift_later_captions(java: str) -> None:
    captions = ["one\rtwo", "three\u2028four", "five\nsix", "seven"]
    expected = ["one two", "three four", "five six", "seven"]
    assert ptb_tokenize(captions) == expected
    assert java_ptb_tokenize(captions) == expected


@pytest.mark.slow
def test_matches_the_java_tokenizer_on_10000_varied_sentences(java: str) -> None:
    sentences = varied_sentences(10_000, seed=2024)
    python_tokens = ptb_tokenize(sentences)
    java_tokens = java_ptb_tokenize(sentences)
    mismatches = [
        (s, j, p) for s, j, p in zip(sentences, java_tokens, python_tokens, strict=True) if j != p
    ]
    assert mismatches == []


@pytest.mark.slow
def test_matches_pycocoevalcaps_own_wrapper(java: str) -> None:
    from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer

    sentences = varied_sentences(1500, seed=7)
    captions = {f"i{n}": [{"caption": s}] for n, s in enumerate(sentences)}
    theirs = PTBTokenizer().tokenize(captions)
    ours = ptb_tokenize(sentences)
    assert [theirs[f"i{n}"][0] for n in range(len(sentences))] == ours


def test_shortcuts_agree_at_the_end_of_input() -> None:
    rng = random.Random(5)
    lines = sentence_corpus(150, seed=5) + [fuzz_sentence(rng) for _ in range(150)]
    lines += ["x 'VE", "THEY'RE", "it's", "don't", "cont'd.", "a.", "Inc."]
    for line in lines:
        assert ptb_tokenize([line]) == ptb_tokenize_slow([line]), line


# Shapes where a token or a trailing context may reach across the blanks between chunks,
# and chunks the memo must refuse (see bench.metrics.ptb_chunks).
BOUNDARY_FRAGMENTS = [
    *["555 1234", "(555) 123-4567", "5 7/8", "12 345", "3 4", "1) 2", "x5 6y", "555\t1234"],
    *[". . .", "x. .y", ". .", "a . . . b", "wait... ."],
    *["U.S.", "etc.", "No.", "Mr.", "A.", "a.", "I.", "Ph.D.", "e.g.", "Inc.", "Calif.", "Mass."],
    *["Jr.", "Fig.", "Nos.", "vs.", "Wash.", "St.", "Ave."],
    *["Mr", "Dr", "U.S", "a.k.a", "vs", "Mt"],
    *["The", "A", "5", "dog", ",", "About", "He", "<b>", "x"],
    *["a\u00a0b", "\u3000", "x\u200by", "a<b", "x\u2009y", "\u0663 \u0664", "\u0663", "\x01"],
    *["it's", "'VE", "THEY'RE", "don't", "cont'd.", "y'all", "'Tis", "gonna", "cannot", "o'clock"],
    *["'quoted'", '"x"', "`` x ''", ":)", ";-)", ":-(", "(really)", "[sic]"],
    *["$12.99", "24/7", "1,000", "3:30", "-5", "+3", "1st", "20-year-old", "555-1234"],
    *["\U0001f600", "caf\u00e9", "\u65e5\u672c", "\u2019s", "\u2013"],
]
_BLANKS = [" ", " ", " ", "  ", "\t", " \t "]


def boundary_line(rng: random.Random) -> str:
    """A line of boundary fragments glued by assorted blanks."""
    parts = [rng.choice(BOUNDARY_FRAGMENTS) for _ in range(rng.randint(1, 6))]
    line = "".join(part + rng.choice(_BLANKS) for part in parts)
    return line.rstrip() if rng.random() < 0.7 else line


def test_chunks_agree_with_the_full_rules_across_blanks() -> None:
    rng = random.Random(17)
    lines = [boundary_line(rng) for _ in range(3000)]
    expected = ptb_tokenize_slow(lines)
    ptb_chunks.CHUNK_TOKENS.clear()
    assert ptb_tokenize(lines) == expected  # memo filled during the call
    assert ptb_tokenize(lines) == expected  # memo already filled
    for i in range(0, 3000, 30):  # each line also as the last line (end of input)
        assert ptb_tokenize(lines[i : i + 2]) == ptb_tokenize_slow(lines[i : i + 2])


def test_chunk_memo_refuses_chunks_whose_tokens_depend_on_their_neighbours() -> None:
    unsafe = ptb_chunks.UNSAFE + " "
    for chunk in ["A.", "No.", "li'lNo.", "a\u00a0b", "<b>", "\u0663", "\x01"]:
        assert ptb_chunks.chunk_tokens(chunk) == unsafe, chunk
    for chunk in [
        "park.",
        "etc.",
        "U.S.",
        "dog",
        "it's",
        "$12.99",
        "U.S",
        "o'clock",
        "(really)",
        "Dogs!",
    ]:
        expected = ptb_tokenize_slow([chunk + " x", ""])[0].split(" ")[:-1]
        got = ptb_chunks.chunk_tokens(chunk).replace("\x02", "").replace("\x03", "")
        assert got == "".join(token + " " for token in expected), chunk


@pytest.mark.slow
def test_chunk_boundary_lines_match_the_java_tokenizer(java: str) -> None:
    rng = random.Random(23)
    lines = [boundary_line(rng) for _ in range(1500)]
    assert ptb_tokenize(lines) == java_ptb_tokenize(lines)


def test_line_breaks_and_astral_characters_together_match_the_jar(java: str) -> None:
    captions = ["a\U0001f600b c\rd", "\U0001f600\U0001f600 x\u2028y", "it's \U0001f600", "end"]
    assert ptb_tokenize(captions) == java_ptb_tokenize(captions) == ptb_tokenize_slow(captions)


def test_dropped_punctuation_is_pycocoevalcaps_own_list() -> None:
    # The table is written by hand in bench; the reference package's list is the oracle.
    from pycocoevalcap.tokenizer.ptbtokenizer import PUNCTUATIONS

    from bench.metrics.ptb_tokenizer import PUNCTUATION_TOKENS

    assert set(PUNCTUATION_TOKENS) == set(PUNCTUATIONS)
    assert len(PUNCTUATIONS) == len(set(PUNCTUATIONS))
