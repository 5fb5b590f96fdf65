"""pick_lines: chosen lines and the line count in one pass, whatever the chunking."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from providers.predictions.formats import lines as lines_module
from providers.predictions.formats.lines import RawLine, count_lines, iter_lines, pick_lines

TEXTS = [
    b"",
    b"\n",
    b"one",
    b"one\n",
    b"one\ntwo",
    b"one\r\ntwo\r\n",
    b"\n\n\nlast",
    b"a\n" + b"x" * 50 + b"\nshort\n" + b"y" * 33 + b"\n",  # lines longer than a chunk
    b"\xe9t\xe9\n{}\n" + b"z" * 17,
]


def expected(path: Path, numbers: list[int]) -> tuple[list[RawLine], int]:
    with path.open("rb") as stream:
        every = list(iter_lines(stream))
    return [line for line in every if line.number in numbers], len(every)


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 16, 1 << 20])
def test_every_choice_of_lines_reads_as_the_line_iterator_does(
    tmp_path: Path, text: bytes, chunk: int
) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(text)
    _, total = expected(path, [])
    assert count_lines(str(path)) == total
    choices = [[], list(range(1, total + 1)), [1], [total]]
    generator = random.Random(len(text) * 31 + chunk)
    choices += [sorted(generator.sample(range(1, total + 1), k=total // 2)) for _ in range(3)]
    for numbers in choices:
        got = pick_lines(str(path), [n for n in numbers if n], bytearray(chunk))
        assert got == expected(path, numbers), numbers


def test_a_picked_line_over_the_limit_comes_without_its_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lines_module, "MAX_LINE_BYTES", 8)
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"short\n" + b"w" * 20 + b"\nend\n")
    picked, total = pick_lines(str(path), [1, 2, 3], bytearray(4))
    assert total == 3
    assert picked == [RawLine(1, b"short\n", 6), RawLine(2, b"", 21), RawLine(3, b"end\n", 4)]
    assert picked[1].too_long
