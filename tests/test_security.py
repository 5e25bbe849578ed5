"""Static guards: nothing unsafe by default anywhere in the installed code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*ROOT.joinpath("bench").rglob("*.py"), *ROOT.joinpath("tasks").rglob("*.py")])

FORBIDDEN = {
    "pickle": re.compile(r"^\s*(import|from)\s+(c?pickle|dill|joblib|cloudpickle)\b", re.M),
    "pickle.load": re.compile(r"\bpickle\.loads?\("),
    "eval/exec": re.compile(r"(?<![\w.])(eval|exec)\("),
    "trust_remote_code=True": re.compile(r"trust_remote_code\s*=\s*True"),
    "yaml.load": re.compile(r"\byaml\.load\("),
    "shell=True": re.compile(r"shell\s*=\s*True"),
}


@pytest.mark.parametrize("rule", sorted(FORBIDDEN))
def test_no_unsafe_calls(rule: str) -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in SOURCES
        if FORBIDDEN[rule].search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"{rule} found in {offenders}"


def test_torch_load_always_weights_only() -> None:
    call = re.compile(r"torch\.load\(([^)]*)\)")
    for path in SOURCES:
        for match in call.finditer(path.read_text(encoding="utf-8")):
            assert "weights_only=True" in match.group(1), f"{path}: {match.group(0)}"


def test_the_guards_catch_what_they_claim() -> None:
    assert FORBIDDEN["pickle"].search("import pickle\n")
    assert FORBIDDEN["eval/exec"].search("x = eval(text)")
    assert not FORBIDDEN["eval/exec"].search("model.eval()")
    assert FORBIDDEN["trust_remote_code=True"].search("f(trust_remote_code = True)")
