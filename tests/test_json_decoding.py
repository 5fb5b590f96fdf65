"""The JSONL parser decodes lines with msgspec where it can: the outcome must be json's."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest

from providers.predictions.formats.jsonl_v2 import _loads

EDGES = [
    "-0",
    "-0.0",
    "1E400",
    "-1e400",
    "1e-400",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "1.00000000000000011102230246251565404236316680908203125",
    "5e-324",
    '"\\ud800"',
    '"\\ud83d\\ude00"',
    '"\\u0000"',
    "NaN",
    "-Infinity",
    "\ufeff{}",
    '{"a": 1, "a": 2}',
    "[1, 2,]",
    "[1] x",
    ' {"a" : [ {"b" : null} ] } ',
    "[" * 5000 + "]" * 5000,
]


def outcome(decode: Any, text: str) -> tuple[str, Any]:
    try:
        return "value", decode(text)
    except json.JSONDecodeError as exc:
        return "error", (exc.msg, exc.pos)
    except RecursionError:
        return "error", "too deep"


def same(a: Any, b: Any) -> bool:
    """Equal, of the same types all the way down (1 is not 1.0, -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and str(a) == str(b))
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


@pytest.mark.parametrize("text", EDGES)
def test_edge_cases_decode_as_json_does(text: str) -> None:
    kind, value = outcome(_loads, text)
    if kind == "error" and value == "too deep":
        return  # json gives up on nesting this deep; decoding it is no worse
    assert same((kind, value), outcome(json.loads, text))


def test_generated_texts_decode_as_json_does() -> None:
    generate = _Generator(random.Random(20261205))
    for _ in range(20_000):
        text = generate.text()
        assert same(outcome(_loads, text), outcome(json.loads, text)), text


class _Generator:
    """Random JSON texts, valid and not: numbers of every form, escapes, duplicate keys."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def text(self) -> str:
        pick = self.rng.choice
        return pick(["", " ", "\t"]) + self.value(0) + pick(["", " ", "\r", " x"])

    def value(self, depth: int) -> str:
        roll = self.rng.random()
        if depth > 3 or roll < 0.35:
            return self.number()
        if roll < 0.6:
            return self.string()
        if roll < 0.7:
            return self.rng.choice(["true", "false", "null", "True", "nul"])
        if roll < 0.85:
            items = ",".join(self.value(depth + 1) for _ in range(self.rng.randint(0, 4)))
            return "[" + items + self.rng.choice(["]", "]", ",]"])
        keys = [self.string() for _ in range(self.rng.randint(0, 4))]
        if keys and self.rng.random() < 0.2:
            keys.append(keys[0])
        return "{" + ",".join(f"{k}:{self.value(depth + 1)}" for k in keys) + "}"

    def number(self) -> str:
        rng = self.rng
        roll = rng.random()
        sign = rng.choice(["", "-"])
        if roll < 0.3:
            return sign + str(rng.randint(0, 10 ** rng.randint(1, 40)))
        if roll < 0.5:
            return f"{sign}{rng.randint(0, 10 ** rng.randint(0, 25))}.{rng.randint(0, 10**20)}"
        if roll < 0.7:
            exponent = rng.choice(["", "+", "-"]) + str(rng.randint(0, 400))
            return f"{sign}{rng.randint(0, 99)}{rng.choice('eE')}{exponent}"
        if roll < 0.9:
            return repr(rng.uniform(-1, 1) * 10 ** rng.randint(-330, 300))
        return rng.choice(["0", "-0", "0.0", "NaN", "Infinity", "00", "01", "1.", ".5", "+1"])

    def string(self) -> str:
        pieces = [*_PIECES, chr(self.rng.randint(0, 0x2FFF))]
        parts = [self.rng.choice(pieces) for _ in range(self.rng.randint(0, 8))]
        return '"' + "".join(parts) + '"'


_PIECES = ["a", "é", "€", "😀", "\t", '\\"', "\\\\", "\\n", "\\u00e9", "\\ud83d\\ude00"]
_PIECES += ["\\ud800", "\\udc00", "\\u0000", "\\x", "\\u12"]  # lone surrogates, bad escapes
