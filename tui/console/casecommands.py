"""Command-palette entries of cases: start or open one, add a note, bookmark, export."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.command import Hit

from tui.console.casecontrol import CaseControl


def case_hits(cases: CaseControl, query: str) -> Iterator[Hit]:
    """Hits for a typed ``case new NAME [QUESTION]`` or ``case open NAME``."""
    words = query.split(maxsplit=3)
    if len(words) >= 3 and words[0].lower() == "case":
        verb, name = words[1].lower(), words[2]
        if verb == "new":
            question = words[3] if len(words) > 3 else ""
            yield Hit(100, f"Start case {name}", partial(cases.start, name, question))
        elif verb == "open":
            yield Hit(100, f"Open case {name}", partial(cases.open, name))


def case_commands(cases: CaseControl) -> list[tuple[str, Callable[[], object]]]:
    """The fixed case commands, with one to open each saved case."""
    fixed: list[tuple[str, Callable[[], object]]] = [
        ("Case: start a new case", cases.ask_start),
        ("Case: bookmark the selected object as evidence", cases.bookmark),
        ("Case: add a note", cases.add_note),
        ("Case: export the evidence report", cases.export),
    ]
    return fixed + [
        (f"Case: open {name}", partial(cases.open, name))
        for name in cases.app.session.case_store.names()
    ]
