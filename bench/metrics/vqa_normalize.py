"""The official VQA evaluation's answer processing, rule by rule.

Behaviour of ``vqaEval.py`` (GT-Vision-Lab/VQA) that these functions reproduce, quirks
included (each has a hand-worked test):

* :func:`clean`: ``\\n`` and ``\\t`` become spaces, then outer whitespace is stripped.
* :func:`process_punctuation`: each listed character is deleted everywhere when it stands
  next to a plain space anywhere in the *original* text, or when the text contains a
  digit-comma-digit; otherwise it becomes a space. ``: ' # $ % & * ^ ~ |`` are not listed.
  Then every ``.`` not followed by a digit is deleted (the script's look-behind is written
  ``(?!<=\\d)``, a look-ahead that never matches), at most 32 of them (``re.UNICODE`` is
  passed where ``sub`` takes ``count``).
* :func:`process_digit_article`: lower-case, split on whitespace, number words zero..ten
  and "none" become digits, "a", "an", "the" are dropped, then the contraction table maps
  words (keys with capitals such as "Im" can never match after lower-casing). Every
  apostrophe in the table, in keys and values, is the ASCII ``'`` (U+0027), as in the
  script; ``tests/metrics/test_vqa_tables.py`` checks the whole table against the official
  strings written out independently.
"""

from __future__ import annotations

import re

PUNCTUATION = (
    ";",
    "/",
    "[",
    "]",
    '"',
    "{",
    "}",
    "(",
    ")",
    "=",
    "+",
    "\\",
    "_",
    "-",
    ">",
    "<",
    "@",
    "`",
    ",",
    "?",
    "!",
)
_PERIOD_STRIP = re.compile(r"(?!<=\d)(\.)(?!\d)")
_COMMA_STRIP = re.compile(r"(\d)(,)(\d)")
_MAX_PERIODS = int(re.UNICODE)  # the script passes re.UNICODE (32) as sub()'s count
MANUAL_MAP = {
    "none": "0",
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
}
ARTICLES = frozenset({"a", "an", "the"})
_CONTRACTION_TABLE = (
    "aint ain't | arent aren't | cant can't | couldve could've | couldnt couldn't | "
    "couldn'tve couldn't've | couldnt've couldn't've | didnt didn't | doesnt doesn't | "
    "dont don't | hadnt hadn't | hadnt've hadn't've | hadn'tve hadn't've | hasnt hasn't | "
    "havent haven't | hed he'd | hed've he'd've | he'dve he'd've | hes he's | howd how'd | "
    "howll how'll | hows how's | Id've I'd've | I'dve I'd've | Im I'm | Ive I've | "
    "isnt isn't | itd it'd | itd've it'd've | it'dve it'd've | itll it'll | let's let's | "
    "maam ma'am | mightnt mightn't | mightnt've mightn't've | mightn'tve mightn't've | "
    "mightve might've | mustnt mustn't | mustve must've | neednt needn't | notve not've | "
    "oclock o'clock | oughtnt oughtn't | ow's'at 'ow's'at | 'ows'at 'ow's'at | "
    "'ow'sat 'ow's'at | shant shan't | shed've she'd've | she'dve she'd've | she's she's | "
    "shouldve should've | shouldnt shouldn't | shouldnt've shouldn't've | "
    "shouldn'tve shouldn't've | somebody'd somebodyd | somebodyd've somebody'd've | "
    "somebody'dve somebody'd've | somebodyll somebody'll | somebodys somebody's | "
    "someoned someone'd | someoned've someone'd've | someone'dve someone'd've | "
    "someonell someone'll | someones someone's | somethingd something'd | "
    "somethingd've something'd've | something'dve something'd've | "
    "somethingll something'll | thats that's | thered there'd | thered've there'd've | "
    "there'dve there'd've | therere there're | theres there's | theyd they'd | "
    "theyd've they'd've | they'dve they'd've | theyll they'll | theyre they're | "
    "theyve they've | twas 'twas | wasnt wasn't | wed've we'd've | we'dve we'd've | "
    "weve we've | werent weren't | whatll what'll | whatre what're | whats what's | "
    "whatve what've | whens when's | whered where'd | wheres where's | whereve where've | "
    "whod who'd | whod've who'd've | who'dve who'd've | wholl who'll | whos who's | "
    "whove who've | whyll why'll | whyre why're | whys why's | wont won't | "
    "wouldve would've | wouldnt wouldn't | wouldnt've wouldn't've | "
    "wouldn'tve wouldn't've | yall y'all | yall'll y'all'll | y'allll y'all'll | "
    "yall'd've y'all'd've | y'alld've y'all'd've | y'all'dve y'all'd've | youd you'd | "
    "youd've you'd've | you'dve you'd've | youll you'll | youre you're | youve you've"
)
#: The script's contraction table (key -> replacement).
CONTRACTIONS: dict[str, str] = dict(pair.split(" ", 1) for pair in _CONTRACTION_TABLE.split(" | "))


def clean(text: str) -> str:
    """Tabs and newlines to spaces, then strip (applied to every answer, always)."""
    return text.replace("\n", " ").replace("\t", " ").strip()


def process_punctuation(text: str) -> str:
    """The script's ``processPunctuation``."""
    out = text
    has_digit_comma = _COMMA_STRIP.search(text) is not None
    for p in PUNCTUATION:
        if (p + " " in text or " " + p in text) or has_digit_comma:
            out = out.replace(p, "")
        else:
            out = out.replace(p, " ")
    return _PERIOD_STRIP.sub("", out, count=_MAX_PERIODS)


def process_digit_article(text: str) -> str:
    """The script's ``processDigitArticle``."""
    words = [MANUAL_MAP.get(w, w) for w in text.lower().split()]
    kept = [w for w in words if w not in ARTICLES]
    return " ".join(CONTRACTIONS.get(w, w) for w in kept)


def normalize(text: str) -> str:
    """Both steps, as applied when the ground-truth answers disagree."""
    return process_digit_article(process_punctuation(text))
