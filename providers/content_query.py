"""A content search over a repository's history: what ``git log -S`` / ``-G`` ask.

``text`` is a string whose number of occurrences a commit changes (``-S``), a POSIX
extended regular expression that a changed line matches (``-G``), or, with
``pickaxe_regex``, a regex whose number of matches a commit changes (``-S`` with
``--pickaxe-regex``).  ``paths`` are git pathspecs; an empty ``text`` with paths asks only
for the commits that touch them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from providers.errors import BadQuery

PICKAXE, REGEX = "S", "G"
_WORD = "[:alnum:]_"


@dataclass(frozen=True, slots=True)
class ContentQuery:
    """What to search for in the commits' diffs, and in which paths."""

    text: str = ""
    mode: str = PICKAXE  # PICKAXE (-S) or REGEX (-G)
    pickaxe_regex: bool = False  # -S TEXT is a regex (git's --pickaxe-regex)
    paths: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in (PICKAXE, REGEX):
            raise BadQuery(f"unknown content search mode {self.mode!r} (S or G)")
        if not self.text and not self.paths:
            raise BadQuery("a content search needs a text, a regex or a path")
        if self.pickaxe_regex and self.mode != PICKAXE:
            raise BadQuery("--pickaxe-regex goes with -S, not -G")
        for value in (self.text, *self.paths):
            if "\0" in value:
                raise BadQuery("a search text or path cannot contain a NUL character")
        if any(not path for path in self.paths):
            raise BadQuery("an empty path matches nothing; give a file or folder")

    @property
    def is_regex(self) -> bool:
        """True when ``text`` is a regular expression (``-G``, or ``-S`` with the option)."""
        return self.mode == REGEX or self.pickaxe_regex

    def describe(self) -> str:
        """The query as git's options read: ``-S "threshold" -- config/``."""
        parts = []
        if self.text:
            parts.append(f"-{self.mode} “{self.text}”")
            if self.pickaxe_regex:
                parts.append("--pickaxe-regex")
        if self.paths:
            parts.append("-- " + " ".join(self.paths))
        return " ".join(parts)


def setting_regex(key: str) -> str:
    """A POSIX extended regex for a changed line that sets ``key``: the key as a whole word
    (its last ``.``/``/`` part, as nested config files spell it), maybe quoted, then ``:``
    or ``=`` (YAML, JSON, TOML, INI, Python keyword arguments, ``--key=value``)."""
    return f"(^|[^{_WORD}]){_key_literal(key)}[\"']?[[:space:]]*[:=]"


def word_regex(key: str) -> str:
    """A POSIX extended regex for a changed line naming ``key`` as a whole word."""
    return f"(^|[^{_WORD}]){_key_literal(key)}([^{_WORD}]|$)"


def _key_literal(key: str) -> str:
    """The last ``.``/``/`` part of ``key``, its regex characters escaped."""
    name = re.split(r"[./]", key)[-1] or key
    return re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", name)
