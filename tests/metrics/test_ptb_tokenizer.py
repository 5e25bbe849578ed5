"""The pure-Python PTB tokenizer gives the Java tokenizer's tokens (pycocoevalcap's form)."""

from __future__ import annotations

import random
import re

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


# A fresh process tokenizes a corpus and reports how much regex source it compiled (the
# regex module's own cache and the lexer's memos would hide the work in this process).
_COMPILE_PROBE = """
import json, re, sys
from re import _compiler
sys.path.insert(0, sys.argv[1])
from metric_corpora import caption_corpus
from bench.metrics.ptb_tokenizer import ptb_tokenize
from bench.metrics.ptb_rules import RULE_TEMPLATES, macros

sizes = []
compile_source = _compiler.compile
def counting(pattern, flags=0):
    sizes.append(len(pattern) if isinstance(pattern, str) else 0)
    return compile_source(pattern, flags)
_compiler.compile = counting
refs, _ = caption_corpus(2000, 5, seed=1, odd=0.3, oddities=0.02)
ptb_tokenize([c for captions in refs.values() for c in captions])
table = macros()
rules = 0
for _, main, context, _ in RULE_TEMPLATES:
    for template in (main, context or ""):
        expanded = re.sub(r"\\{([A-Z][A-Z0-9_]*)\\}", lambda m: "(?:" + table[m[1]] + ")", template)
        rules += len(expanded)
print(json.dumps({"compiled": sum(sizes), "rules": rules}))
"""


def test_first_tokenization_compiles_each_rule_about_once() -> None:
    # Compiling one alternation of all candidate rules per distinct start character
    # compiled about 20x the rules' source on this corpus: 0.6 s of a 0.74 s scoring run.
    import json
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run(
        [sys.executable, "-c", _COMPILE_PROBE, str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(done.stdout)
    # each rule once, plus the small first-character patterns of each rule
    assert figures["compiled"] <= 2 * figures["rules"], figures


def _class_ranges(body: str) -> list[tuple[int, int]]:
    """The code point ranges of a class body made of ``\\uXXXX`` and ``\\uXXXX-\\uYYYY``."""
    found = re.findall(r"\\u([0-9a-f]{4})(?:-\\u([0-9a-f]{4}))?", body)
    return [(int(a, 16), int(b or a, 16)) for a, b in found]


def _expected_ranges(keep) -> list[tuple[int, int]]:
    points = [cp for cp in range(0x10000) if not 0xD800 <= cp <= 0xDFFF and keep(chr(cp))]
    out: list[tuple[int, int]] = []
    for cp in points:
        if out and out[-1][1] == cp - 1:
            out[-1] = (out[-1][0], cp)
        else:
            out.append((cp, cp))
    return out


def test_stored_unicode_tables_are_this_pythons_unicode_database() -> None:
    import unicodedata

    from bench.metrics import ptb_unicode

    if unicodedata.unidata_version != ptb_unicode.TABLES_UNICODE_VERSION:
        pytest.skip("tables stored for another Unicode version (computed at run time here)")
    for prefixes in [("Lu",), ("Nl", "No")]:
        expected = _expected_ranges(lambda c, p=prefixes: unicodedata.category(c).startswith(p))
        assert _class_ranges(ptb_unicode.category_class(prefixes)) == expected, prefixes
    digits = _expected_ranges(lambda c: c.isdecimal() and not c.isascii())
    assert _class_ranges(ptb_unicode.non_ascii_digits()) == digits
