"""``git blame --porcelain`` and ``git log -L`` read into records (run through command.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from providers.errors import BadData, NotFound
from providers.git.command import run_git
from providers.git.logparse import git_date
from providers.lines import BlameLine, LineChange

LINE_LOG_FORMAT = "%x1e%H%x00%an%x00%aI%x00%s%x00"
_RECORD = re.compile(rb"\x1e(?=[0-9a-f]{40,64}\x00)")
_HEADER = re.compile(rb"([0-9a-f]{40,64}) (\d+) (\d+)(?: \d+)?")
_TIME_ZONE = re.compile(rb"[+-]\d{4}")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _checked(rev: str, path: str) -> None:
    """NotFound for a revision or path that git could read as an option or cannot take."""
    if not rev or rev.startswith("-") or any(c in rev + path for c in "\n\r\0"):
        raise NotFound(f"cannot ask git about {path!r} at {rev!r}", provider="git")


def _failed(what: str, stderr: bytes) -> NotFound:
    message = _text(stderr).strip().splitlines()
    return NotFound(f"git {what}: {message[-1] if message else 'failed'}", provider="git")


_IGNORE_LIST_LIMIT = 16 * 1024 * 1024


def _check_ignore_revs_files(repo: Path) -> None:
    """NotFound when the repository's ``blame.ignoreRevsFile`` names something git blame
    must not open: git reads it even when told to ignore it, and would fail on a missing
    file, hang on a pipe, or read a device without end."""
    done = run_git(repo, "config", "--get-all", "blame.ignoreRevsFile")
    for name in _text(done.stdout).splitlines():
        if not name:
            continue
        target = repo / Path(name).expanduser()
        if not target.is_file() or target.stat().st_size > _IGNORE_LIST_LIMIT:
            raise NotFound(
                f"not blamed: this repository's config sets blame.ignoreRevsFile={name!r}, "
                "which is not a readable list of revisions; git blame would read it",
                provider="git",
                hint="remove the setting (git config --unset-all blame.ignoreRevsFile), "
                "or use L for the line's history",
            )


def blame(repo: Path, rev: str, path: str) -> list[BlameLine]:
    """Every line of ``path`` at ``rev`` with the commit that last changed it."""
    _checked(rev, path)
    _check_ignore_revs_files(repo)
    done = run_git(repo, "blame", "--porcelain", rev, "--", path)
    if done.returncode != 0:
        raise _failed(f"blame {path}", done.stderr)
    return parse_blame(done.stdout)


def _blame_date(info: dict[bytes, bytes]) -> datetime | None:
    """The author time in UTC, or None when git could not read the author line: it then
    prints ``author-tz (unknown)`` and a time of 0, which is no date."""
    if _TIME_ZONE.fullmatch(info.get(b"author-tz", b"")) is None:
        return None
    return datetime.fromtimestamp(int(info.get(b"author-time", b"0")), UTC)


def parse_blame(output: bytes) -> list[BlameLine]:
    """The lines of ``git blame --porcelain`` output (commit headers given once, filenames
    when they change)."""
    commits: dict[bytes, dict[bytes, bytes]] = {}
    lines: list[BlameLine] = []
    current: dict[bytes, bytes] = {}
    filename = b""
    sha = b""
    original = final = 0
    for raw in output.split(b"\n"):
        if raw.startswith(b"\t"):
            info = commits.setdefault(sha, current)
            lines.append(
                BlameLine(
                    sha=sha.decode("ascii"),
                    line=final,
                    original_line=original,
                    original_path=_text(filename),
                    author=_text(info.get(b"author", b"")),
                    authored_at=_blame_date(info),
                    summary=_text(info.get(b"summary", b"")),
                    text=_text(raw[1:]),
                    boundary=b"boundary" in info,
                )
            )
            continue
        header = _HEADER.fullmatch(raw)
        if header is not None:
            sha, original, final = header[1], int(header[2]), int(header[3])
            current = commits.get(sha, {})
            continue
        key, _sep, value = raw.partition(b" ")
        if key == b"filename":
            filename = value
        elif raw:
            current[key] = value
    if output and not lines:
        raise BadData("git blame printed no line", provider="git")
    return lines


def line_history(repo: Path, rev: str, path: str, line: int) -> list[LineChange]:
    """``git log -L line,line:path rev``: the commits that changed the line, newest first."""
    _checked(rev, path)
    if line < 1:
        raise NotFound(f"no line {line} in {path}", provider="git")
    spec = f"-L{line},{line}:{path}"
    done = run_git(repo, "log", f"--format={LINE_LOG_FORMAT}", spec, rev, "--")
    if done.returncode != 0:
        raise _failed(f"log -L {line} of {path}", done.stderr)
    return parse_line_log(done.stdout)


def parse_line_log(output: bytes) -> list[LineChange]:
    """The commits of ``git log -L --format=LINE_LOG_FORMAT`` output, each with its hunk."""
    changes = []
    for record in _RECORD.split(output)[1:]:
        fields = record.split(b"\x00", 4)
        if len(fields) != 5:
            raise BadData("git log -L printed an incomplete commit", provider="git")
        sha, author, date, subject, patch = fields
        changes.append(
            LineChange(
                sha=sha.decode("ascii"),
                author=_text(author),
                authored_at=git_date(date),
                subject=_text(subject),
                patch=_text(patch).strip("\n") + "\n",
            )
        )
    return changes
