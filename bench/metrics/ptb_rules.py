"""The lexical rules of Stanford CoreNLP 3.4.1's PTBLexer, as pycocoevalcap runs it.

pycocoevalcap tokenizes captions with ``java edu.stanford.nlp.process.PTBTokenizer
-preserveLines -lowerCase`` from ``stanford-corenlp-3.4.1.jar``. That lexer is a JFlex
scanner: at each position every rule is tried, the longest match wins (a trailing context
``r1/r2`` counts towards the length but is not consumed), and ties go to the earlier rule.
The rules below restate its behaviour with its default options (no americanisation, PTB
quotes, brackets, dashes and ellipses, no slash escaping); they were written from the
tokenizer's documentation and checked against the jar's output, token for token.

Each rule is ``(name, main, context, action)``: ``main`` is what becomes the token,
``context`` an optional trailing context, ``action`` the name of the transformation in
:mod:`bench.metrics.ptb_lexer`.
"""

from __future__ import annotations

import functools
import sys

from bench.metrics.ptb_unicode import category_class

# --- character classes -------------------------------------------------------------------


#: Letters JFlex adds to ``[:letter:]`` in the WORD rule (combining marks and the like).
_EXTRA_LETTERS = (
    "\\u00AD\\u0237-\\u024F\\u02C2-\\u02C5\\u02D2-\\u02DF\\u02E5-\\u02FF\\u0300-\\u036F"
    "\\u0370-\\u037D\\u0384\\u0385\\u03CF\\u03F6\\u03FC-\\u03FF\\u0483-\\u0487\\u04CF"
    "\\u04F6-\\u04FF\\u0510-\\u0525\\u055A-\\u055F\\u0591-\\u05BD\\u05BF\\u05C1\\u05C2"
    "\\u05C4\\u05C5\\u05C7\\u0615-\\u061A\\u063B-\\u063F\\u064B-\\u065E\\u0670\\u06D6-\\u06EF"
    "\\u06FA-\\u06FF\\u070F\\u0711\\u0730-\\u074F\\u0750-\\u077F\\u07A6-\\u07B1\\u07CA-\\u07F5"
    "\\u07FA\\u0900-\\u0903\\u093C\\u093E-\\u094E\\u0951-\\u0955\\u0962-\\u0963\\u0981-\\u0983"
    "\\u09BC-\\u09C4\\u09C7\\u09C8\\u09CB-\\u09CD\\u09D7\\u09E2\\u09E3\\u0A01-\\u0A03\\u0A3C"
    "\\u0A3E-\\u0A4F\\u0A81-\\u0A83\\u0ABC-\\u0ACF\\u0B82\\u0BBE-\\u0BC2\\u0BC6-\\u0BC8"
    "\\u0BCA-\\u0BCD\\u0C01-\\u0C03\\u0C3E-\\u0C56\\u0D3E-\\u0D44\\u0D46-\\u0D48\\u0E30-\\u0E3A"
    "\\u0E47-\\u0E4E\\u0EB1-\\u0EBC\\u0EC8-\\u0ECD"
)

_MISC_SYMBOLS = (
    "+%&~\\^|\\\\\\u00A6\\u00A7\\u00A8\\u00A9\\u00AC\\u00AE\\u00AF\\u00B0-\\u00B3\\u00B4-\\u00BA"
    "\\u00D7\\u00F7\\u0387\\u05BE\\u05C0\\u05C3\\u05C6\\u05F3\\u05F4\\u0600-\\u0603"
    "\\u0606-\\u060A\\u060C\\u0614\\u061B\\u061E\\u066A\\u066D\\u0703-\\u070D\\u07F6\\u07F7"
    "\\u07F8\\u0964\\u0965\\u0E4F\\u1FBD\\u2016\\u2017\\u2020-\\u2023\\u2030-\\u2038\\u203B"
    "\\u203E-\\u2042\\u2044\\u207A-\\u207F\\u208A-\\u208E\\u2100-\\u214F\\u2190-\\u21FF"
    "\\u2200-\\u2BFF\\u3012\\u30FB\\uFF01-\\uFF0F\\uFF1A-\\uFF20\\uFF3B-\\uFF40\\uFF5B-\\uFF65"
)


# Abbreviations (each a regex alternation; the lexer's own lists, induced from the WSJ).
_ABMONTH = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
_ABDAYS = "Mon|Tues?|Wed|Thurs|Thu|Fri"
_ABSTATE = (
    "Ala|Ariz|Calif|Colo|Conn|Dak|Fla|Ga|Ind|Kans?|Ky|Md|Mich|Minn|Mo|Mont|Neb|Nev"
    "|Okla|Penn|Tenn|Va|Vt|Wisc?|Wyo"
)
#: States (and the like) whose first letter must be a capital; the rest is caseless.
_CAPITALISED = ("Ark", "Ill", "Mass", "Miss", "Ore", "Wash", "Del", "La", "Pa", "Tex")
# Character classes are not caseless in the jar: "Pte" and "Mfg" but not "PtE", "MFG".
_ABCOMP = "Inc|Cos?|Corp|Pp?t(?-i:[ye])s?|Ltd|Plc|Bancorp|Dept|Bhd|Assn|Univ|Intl|Sys"
_ABNUM = "Ph|tel|est|ext|sq|ft"
_ABPTIT = "Jr|Sr|Bros|(?:Ed|Ph)\\.D|Blvd|Rd|Esq"
_ABTITLE = (
    "Mrs?|Ms|Drs?|Profs?|Sens?|Reps?|Attys?|Lt|Col|Gen|Messrs|Govs?|Adm|Rev|Maj|Sgt|Cpl"
    "|Pvt|Mt|Capt|Ste?|Ave|Pres|Lieut|Hon|Brig|Co?mdr|Pfc|Spc|Supts?|Det"
)
#: ABBREV1: usually followed by a lower-case word; before a capital they also end a sentence.
ABBREV1_CASELESS = f"{_ABPTIT}|{_ABMONTH}|{_ABDAYS}|{_ABSTATE}|{_ABCOMP}|{_ABNUM}|etc|al|seq"
#: ABBREV4 (becomes ABBREV2 with its period): usually followed by a capitalised word.
ABBREV4_CASELESS = (
    f"{_ABTITLE}|vs|Alex|Wm|Jos|Cie|a\\.k\\.a|cf|TREAS|Invt|Elec|Natl|M(?-i:[ft])g"
    "|Mme|Mlle|Msgr|Insp|Assoc|Bldg|Ct|Rt"
)
#: ABBREV3: abbreviations only before a number.
ABBREV3_WORDS = "ca|figs?|prop|nos?|art|bldg|pp|op"
#: Every word the rules above may keep together with a following period (case-folded
#: superset, including the case-sensitive state and title entries).
ANY_ABBREVIATION = f"{ABBREV1_CASELESS}|{ABBREV4_CASELESS}|{ABBREV3_WORDS}|{'|'.join(_CAPITALISED)}"


def _ci(words: str) -> str:
    """A caseless alternation (JFlex ``%caseless`` applies to literals, not classes)."""
    return f"(?i:{words})"


@functools.cache
def macros() -> dict[str, str]:
    """The named sub-expressions of the lexer, as Python regex source."""
    m: dict[str, str] = {}
    # [:letter:] is Unicode categories L*; [^\W\d_] is those plus numeric characters, so
    # excluding the (few) numeric ones keeps the compiled expressions small.
    letter = "(?:(?![" + category_class(("Nl", "No")) + "])[^\\W\\d_])"
    m["UPPER"] = "[" + category_class(("Lu",)) + "]"
    name = r"[A-Za-z][A-Za-z0-9_:.\-]*"
    quoted = r"(?:'[^'\r\n]*'|\"[^\"\r\n]*\")"
    m["SGML"] = (
        rf"<(?:[!?][A-Za-z\-][^>\r\n]*|{name}(?:[ ]+{name}(?:[ ]*=[ ]*{quoted})?)*[ ]*\/?"
        rf"|\/{name})[ ]*>"
    )
    m["FILENAME"] = f"(?:{letter}|\\d)+(?:\\.(?:{letter}|\\d)+)*\\." + _ci(
        "docx|doc|bat|bmp|class|cgi|cpp|c|dll|exe|gif|gz|html|htm|h|jar|java|jpeg|jpg|mov"
        "|mp3|pdf|php|pl|png|ppt|ps|py|sql|tar|txt|wav|xml|x|zip"
    )
    m["SPMDASH"] = r"&" + _ci("MD|mdash|ndash") + r";|[\u0096\u0097\u2013\u2014\u2015]"
    m["SPAMP"] = _ci("&amp;")
    m["SPPUNC"] = "&" + _ci("HT|TL|UR|LR|QC|QL|QR|odq|cdq") + ";|&#[0-9]+;"
    m["SPLET"] = "&[aeiouAEIOU]" + _ci("acute|grave|uml") + ";"
    m["SPACE"] = r"[ \t\u00A0\u2000-\u200A\u3000]"
    m["NEWLINE"] = r"(?:\r\n|[\r\n\u2028\u2029\u000B\u000C\u0085])"
    m["SPACENL"] = f"(?:{m['SPACE']}|{m['NEWLINE']})"
    m["SENTEND"] = f"{m['SPACENL']}(?:{m['SPACENL']}|{m['UPPER']}|{m['SGML']})"
    m["DIGIT"] = r"\d"
    m["NUM"] = r"\d*(?:[.:,\u00AD\u066B\u066C]\d+)+|\d+"
    m["NUMBER"] = f"[-+]?(?:{m['NUM']})"
    m["SUBSUPNUM"] = (
        r"[\u207A\u207B\u208A\u208B]?(?:[\u2070\u00B9\u00B2\u00B3\u2074-\u2079]+|[\u2080-\u2089]+)"
    )
    m["DATE"] = r"\d{1,2}[\-\/]\d{1,2}[\-\/]\d{2,4}"
    m["FRAC"] = r"(?:\d{1,4}[- \u00A0])?\d{1,4}(?:\\?\/|\u2044)\d{1,4}"
    m["FRAC2"] = r"[\u00BC\u00BD\u00BE\u2153-\u215E]"
    m["DOLSIGN"] = r"[A-Z]*\$|#"
    m["DOLSIGN2"] = (
        r"[\u00A2\u00A3\u00A4\u00A5\u0080\u20A0\u20AC\u060B\u0E3F\u20A4\uFFE0\uFFE1\uFFE5\uFFE6]"
    )
    m["LETTER"] = f"(?:{letter}|[{_EXTRA_LETTERS}]|{m['SPLET']})"
    m["PLAIN_LETTER"] = letter
    m["ALNUM_PLAIN"] = f"(?:{letter}|\\d)"
    word_part = f"{m['LETTER']}(?:{m['LETTER']}|\\d)*"
    m["WORD"] = f"{word_part}(?:[.!?]{word_part})*"
    m["APOS"] = r"(?:['\u0092\u2019]|&apos;)"
    m["APOSETC"] = r"(?:['\u0092\u2019`\u0091\u2018\u201B]|&apos;)"
    alnum = m["ALNUM_PLAIN"]
    prefix = f"(?:[dDoOlL]{m['APOSETC']}{alnum})?"
    m["THING"] = f"{prefix}{alnum}+(?:[-_\\u058A\\u2010\\u2011]{prefix}{alnum}+)*"
    m["THINGA"] = f"[A-Z]+(?:(?:[+&]|{m['SPAMP']})[A-Z]+)+"
    m["THING3"] = r"[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}(?:\\?\/[A-Za-z0-9]+(?:-[A-Za-z]+){0,2}){1,2}"
    special_acro = _ci("(?:Canada|Sino|Korean|EU|Japan|non)-U\\.S|U\\.S\\.-(?:U\\.K|U\\.S\\.S\\.R)")
    m["ACRO"] = f"{special_acro}|[A-Za-z](?:\\.[A-Za-z])*"
    m["ACRO2"] = f"{special_acro}|[A-Za-z](?:\\.[A-Za-z])+"
    m["HTHING"] = (
        r"[A-Za-z0-9][A-Za-z0-9.,\u00AD]*(?:-(?:(?:" + m["ACRO2"] + r")\.|[A-Za-z0-9\u00AD]+))+"
    )
    m["REDAUX"] = m["APOS"] + "(?:[msdMSD]|" + _ci("re|ve|ll") + ")"
    m["SWORD"] = r"[A-Za-z\u00AD]*[A-MO-Za-mo-z]\u00AD*"
    m["SREDAUX"] = _ci("n") + m["APOSETC"] + _ci("t")
    a, ae = m["APOS"], m["APOSETC"]
    m["APOWORD"] = "|".join(
        [
            f"{a}" + _ci("n") + f"{a}?",
            f"[lLdDjJ]{a}",
            _ci("Dunkin") + a,
            _ci("somethin") + a,
            _ci("ol") + a,
            a + _ci("em"),
            f"[A-HJ-XZn]{ae}{letter}{{2,}}",
            f"{a}[2-9]0" + _ci("s"),
            a + _ci("till?"),
            f"{letter}+[aeiouyAEIOUY]{ae}[aeiouA-Z]{letter}*",
            a + _ci("cause"),
            _ci("cont'd\\.?|'twas|nor'easter|c'mon|e'er|s'mores|ev'ry|li'l|nat'l"),
        ]
    )
    m["FULLURL"] = _ci("https?") + r":\/\/[^ \t\n\f\r\"<>|(){}]+[^ \t\n\f\r\"<>|.!?(){},-]"
    m["LIKELYURL"] = (
        r"(?:" + _ci("www") + r"\.(?:[^ \t\n\f\r\"<>|.!?(){},]+\.)+[a-zA-Z]{2,4}|"
        r"(?:[^ \t\n\f\r\"`'<>|.!?(){},-_$]+\.)+" + _ci("com|net|org|edu") + ")"
        r"(?:\/[^ \t\n\f\r\"<>|()]+[^ \t\n\f\r\"<>|.!?(){},-])?"
    )
    m["EMAIL"] = (
        r"(?:" + _ci("&lt;") + r"|<)?[a-zA-Z0-9][^ \t\n\f\r\"<>|()\u00A0{}]*@"
        r"(?:[^ \t\n\f\r\"<>|(){}.\u00A0]+\.)*[^ \t\n\f\r\"<>|(){}.\u00A0]+(?:"
        + _ci("&gt;")
        + r"|>)?"
    )
    m["TWITTER"] = r"@[a-zA-Z_][a-zA-Z_0-9]*|#" + m["LETTER"] + "+"
    capitalised = "|".join(word[0] + _ci(word[1:]) for word in _CAPITALISED)
    m["ABBREV1"] = f"(?:{_ci(ABBREV1_CASELESS)}|{capitalised})\\."
    m["ABBREV4"] = "(?:" + _ci(ABBREV4_CASELESS) + "|M" + _ci("iss") + f"|{m['ACRO']}|[A-Za-z])"
    m["ABBREV3"] = _ci(f"(?:{ABBREV3_WORDS})\\.")
    m["ACRONYM"] = f"(?:{m['ACRO']})\\."
    m["PHONE"] = (
        r"(?:\([0-9]{2,3}\)[ \u00A0]?|(?:\+\+?)?(?:[0-9]{2,4}[\- \u00A0])?[0-9]{2,4}[\- \u00A0])"
        r"[0-9]{3,4}[\- \u00A0]?[0-9]{3,5}"
        r"|(?:(?:\+\+?)?[0-9]{2,4}\.)?[0-9]{2,4}\.[0-9]{3,4}\.[0-9]{3,5}"
    )
    m["QUOTES"] = (
        r"''|[`\u2018\u2019\u201A\u201B\u201C\u201D\u0091\u0092\u0093\u0094\u201E\u201F\u2039"
        r"\u203A\u00AB\u00BB]{1,2}|" + m["APOS"]
    )
    m["DBLQUOT"] = r'"|' + _ci("&quot;")
    m["TBSPEC"] = "|".join(
        [
            "-" + _ci("RRB|LRB|RCB|LCB|RSB|LSB") + "-",
            _ci("C\\.D\\.s|pro-|anti-|S(?:&|&amp;)P-500|S(?:&|&amp;)Ls"),
            _ci("Cap") + a + _ci("n"),
            _ci("c") + a + _ci("est"),
        ]
    )
    m["SMILEY"] = r"[<>]?[:;=][\-o\*']?[\(\)DPdpO\\{@\|\[\]]"
    m["ASIANSMILEY"] = (
        r"[\^x=~<>]\.\[\^x=~<>]|[\-\^x=~<>']_[\-\^x=~<>']|\([\-\^x=~<>'][_.]?[\-\^x=~<>']\)"
        r"|\([\^x=~<>']-[\^x=~<>'`]\)"
    )
    m["MISCSYMBOL"] = f"[{_MISC_SYMBOLS}]"
    return m


#: (name, main pattern template, trailing-context template or None, action), in the
#: jar's priority order. ``{X}`` refers to :func:`macros`.
RULE_TEMPLATES: tuple[tuple[str, str, str | None, str], ...] = (
    ("cannot", _ci("cannot"), None, "pushback3"),
    ("twas", "'" + _ci("twas"), None, "pushback3"),
    (
        "assimilation2",
        "'" + _ci("tis") + "|" + _ci("gonna|gotta|lemme|gimme|wanna"),
        None,
        "pushback2",
    ),
    ("prog_langs", _ci("c\\+\\+|[cf]#"), None, "plain"),
    ("sgml", "{SGML}", None, "nbsp"),
    ("spmdash", "{SPMDASH}", None, "mdash"),
    ("spamp", "{SPAMP}", None, "amp"),
    ("sppunc", "{SPPUNC}", None, "plain"),
    ("word_redaux", "{WORD}", "{REDAUX}", "word"),
    ("sword_sredaux", "{SWORD}", "{SREDAUX}", "word"),
    ("word", "{WORD}", None, "word"),
    ("apoword", "{APOWORD}", None, "plain"),
    ("apoword2", _ci("y") + "{APOS}", "{PLAIN_LETTER}", "plain"),
    ("fullurl", "{FULLURL}", None, "plain"),
    ("likelyurl", "{LIKELYURL}", None, "plain"),
    ("email", "{EMAIL}", None, "plain"),
    ("twitter", "{TWITTER}", None, "plain"),
    ("redaux_ctx", "{REDAUX}", "[^A-Za-z]", "quote_right"),
    ("sredaux_ctx", "{SREDAUX}", "[^A-Za-z]", "quote_right"),
    ("date", "{DATE}", None, "plain"),
    ("number", "{NUMBER}", None, "soft_hyphen"),
    ("subsupnum", "{SUBSUPNUM}", None, "plain"),
    ("frac", "{FRAC}", None, "nbsp"),
    ("frac2", "{FRAC2}", None, "fraction"),
    ("tbspec", "{TBSPEC}", None, "amp"),
    ("thing3", "{THING3}", None, "plain"),
    ("dolsign", "{DOLSIGN}", None, "plain"),
    ("dolsign2", "{DOLSIGN2}", None, "currency"),
    (
        "acronym_end",
        "{ACRONYM}",
        "{SPACENL}+(?:A(?i:bout|ccording|dditionally|fter|n|s|t)|A|B(?i:ut)|E(?i:arlier)"
        "|H(?i:e|er|ere|owever)|I(?i:f|n|t)|L(?i:ast)|M(?i:any|ore|r\\.|s\\.)|N(?i:ow)"
        "|O(?i:nce|ne|ther|ur)|S(?i:he|ince|o|ome|uch)|T(?i:hat|he|hen|here|hese|hey|his)"
        "|W(?i:e|hen|hile|hat)|Y(?i:et|ou)|{SGML})(?:{SPACENL}|[?!])",
        "acronym",
    ),
    ("abbrev3", "{ABBREV3}", "{SPACENL}?\\d", "plain"),
    ("abbrev1_end", "{ABBREV1}", "{SENTEND}", "repeat_period"),
    ("abbrev1_any", "{ABBREV1}", "[\\s\\S][\\s\\S]", "plain"),
    ("abbrev1", "{ABBREV1}", None, "repeat_period"),
    ("abbrev2", "(?:{ABBREV4})\\.", None, "plain"),
    ("abbrev4", "{ABBREV4}", "{SPACE}", "plain"),
    ("acro", "{ACRO}", "{SPACENL}", "plain"),
    ("tbspec2", "{APOS}\\d\\d", "{SPACENL}", "plain"),
    ("filename", "{FILENAME}", "{SPACENL}|[.?!,\"'<]", "plain"),
    ("word_period", "{WORD}\\.", "[,;:\\u3001]", "soft_hyphen"),
    ("phone", "{PHONE}", None, "phone"),
    ("dblquot_left", "{DBLQUOT}", "[A-Za-z0-9$]", "quote_left"),
    ("dblquot", "{DBLQUOT}", None, "quote_right"),
    ("lessthan", "<|" + _ci("&lt;"), None, "lt"),
    ("greaterthan", ">|" + _ci("&gt;"), None, "gt"),
    ("smiley", "{SMILEY}", "[^A-Za-z0-9]", "parens"),
    ("asiansmiley", "{ASIANSMILEY}", None, "parens"),
    ("lcb", "\\{", None, "bracket"),
    ("rcb", "\\}", None, "bracket"),
    ("lsb", "\\[", None, "bracket"),
    ("rsb", "\\]", None, "bracket"),
    ("lrb", "\\(", None, "bracket"),
    ("rrb", "\\)", None, "bracket"),
    ("hyphens", "-+", None, "hyphens"),
    ("ldots", "\\.{3,5}|(?:\\.[ \\u00A0]){2,4}\\.|[\\u0085\\u2026]", None, "ellipsis"),
    ("fnmarks", "@+|#+|_+", None, "plain"),
    ("asts", "\\*+|(?:\\\\\\*){1,3}", None, "plain"),
    ("insentp", "[,;:\\u3001]", None, "plain"),
    ("bang", "[?!]+", None, "plain"),
    (
        "period",
        "[.\\u00A1\\u00BF\\u037E\\u0589\\u061F\\u06D4\\u0700-\\u0702\\u07FA\\u3002]",
        None,
        "plain",
    ),
    ("equals", "=", None, "plain"),
    ("slash", "\\/", None, "plain"),
    ("hthing_period", "{HTHING}\\.", "[,;:\\u3001]", "soft_hyphen"),
    ("hthing", "{HTHING}", None, "soft_hyphen"),
    ("thing_period", "{THING}\\.", "[,;:\\u3001]", "plain"),
    ("thing", "{THING}", None, "plain"),
    ("thinga_period", "{THINGA}\\.", "[,;:\\u3001]", "amp"),
    ("thinga", "{THINGA}", None, "amp"),
    ("quote_left", "'", "[A-Za-z][^ \\t\\n\\r\\u00A0]", "quote_left"),
    ("redaux", "{REDAUX}", None, "quote_right"),
    ("sredaux", "{SREDAUX}", None, "quote_right"),
    ("quotes", "{QUOTES}", None, "quote_right"),
    ("duckfeet", "<<|>>", None, "plain"),
    ("miscsymbol", "{MISCSYMBOL}", None, "plain"),
    ("space", "\\x00|{SPACE}+|[\\u200B\\u200E\\u200F\\uFEFF]|" + _ci("&nbsp;"), None, "skip"),
    ("newline", "{NEWLINE}", None, "newline"),
)

if sys.maxunicode < 0x10FFFF:  # pragma: no cover - every CPython 3 build is wide
    raise RuntimeError("a wide-unicode Python is required")
