"""The lines concern: a file's blame, one line's history and a file's content at a commit.

A commits provider that can read file contents serves it too (the git provider does; the
Azure DevOps REST API has no blame).  :func:`lines_of` finds it behind the cache's proxy.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class BlameLine:
    """One line of a file as blamed: the commit that last changed it and where it was then."""

    sha: str
    line: int  # in the blamed file, from 1
    original_line: int  # in the file as that commit left it
    original_path: str
    author: str
    authored_at: datetime | None  # None: git could not read the author line
    summary: str
    text: str
    boundary: bool = False  # the history was cut here (a root or shallow commit)


@dataclass(frozen=True, slots=True)
class LineChange:
    """One commit of a line's history (``git log -L``): the commit and its hunk of the line."""

    sha: str
    author: str
    authored_at: datetime | None  # None: git could not read the author line
    subject: str
    patch: str


class LinesProvider(ABC):
    """Blame, line history and file contents of a repository's commits."""

    @abstractmethod
    def blame(self, rev: str, path: str) -> list[BlameLine]:
        """Every line of ``path`` as ``rev`` has it, with the commit that last changed it."""

    @abstractmethod
    def line_history(self, rev: str, path: str, line: int) -> list[LineChange]:
        """The commits that changed line ``line`` of ``path`` (as ``rev`` has it), newest
        first, each with its hunk of that line; renames are followed."""

    @abstractmethod
    def file_at(self, rev: str, path: str) -> bytes | None:
        """The content of ``path`` at ``rev``; None when ``rev`` has no such file."""


def lines_of(provider: object) -> LinesProvider | None:
    """The provider serving lines behind ``provider`` (a cache proxy or not), if any."""
    inner = getattr(provider, "inner", provider)
    return inner if isinstance(inner, LinesProvider) else None
