"""Azure DevOps Git REST documents (commits, their changes) to records; no I/O here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from providers.errors import BadData
from providers.records import Commit, Person, Source
from providers.timeutil import parse_iso

PROVIDER = "azure-devops"


@dataclass(frozen=True, slots=True)
class Change:
    """One changed file of a commit as the changes API lists it (paths without the '/')."""

    path: str
    old_path: str | None
    change: str  # added, modified, deleted, renamed (FileChange's words)


def _person(doc: Any) -> tuple[Person, Any]:
    doc = doc if isinstance(doc, Mapping) else {}
    return Person(str(doc.get("name", "")), str(doc.get("email", ""))), parse_iso(doc.get("date"))


def parse_commit(doc: Mapping[str, Any], web_url: str | None = None) -> Commit:
    """A ``GitCommit``/``GitCommitRef`` document, without files; BadData if unusable."""
    sha = doc.get("commitId") if isinstance(doc, Mapping) else None
    if not isinstance(sha, str) or not sha:
        raise BadData("commit: missing field 'commitId'", provider=PROVIDER)
    author, authored_at = _person(doc.get("author"))
    committer, committed_at = _person(doc.get("committer"))
    if authored_at is None or committed_at is None:
        raise BadData(f"commit {sha}: missing author or committer date", provider=PROVIDER)
    return Commit(
        sha=sha,
        parents=tuple(str(p) for p in doc.get("parents") or ()),
        author=author,
        authored_at=authored_at,
        committer=committer,
        committed_at=committed_at,
        message=str(doc.get("comment", "")),
        source=Source(PROVIDER, sha, doc.get("remoteUrl") or web_url),
    )


def _strip(path: str) -> str:
    return path[1:] if path.startswith("/") else path


def change_kind(change_type: str) -> str:
    """``edit``, ``add``, ``delete``, ``rename`` or combinations like ``edit, rename``."""
    kinds = {part.strip().lower() for part in change_type.split(",")}
    for name, word in (("rename", "renamed"), ("add", "added"), ("delete", "deleted")):
        if name in kinds:
            return word
    return "modified"


def parse_changes(changes: Sequence[Mapping[str, Any]]) -> list[Change]:
    """The file (blob) changes of a ``GitCommitChanges`` list, ordered by path like git.

    Folder entries (``gitObjectType`` tree, ``isFolder``) are dropped.
    """
    found: list[Change] = []
    for entry in changes:
        item = entry.get("item") or {}
        if item.get("isFolder") or item.get("gitObjectType", "blob") != "blob":
            continue
        path = item.get("path")
        if not isinstance(path, str) or not path:
            raise BadData(f"change without a path: {dict(entry)!r:.200}", provider=PROVIDER)
        kind = change_kind(str(entry.get("changeType", "edit")))
        source = entry.get("sourceServerItem")
        old_path = _strip(source) if kind == "renamed" and isinstance(source, str) else None
        found.append(Change(_strip(path), old_path, kind))
    return sorted(found, key=lambda c: c.path.encode())
