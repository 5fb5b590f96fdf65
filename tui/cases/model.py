"""The case records: what an investigation saw, marked and wrote down.

A case file is the JSON of :class:`Case` (see :mod:`tui.cases.codec`)::

    {
      "schema_version": 2,
      "name": "mortgage-081734",            # also the file name: <name>.json
      "question": "Why was … rejected?",
      "profile": "demo",                    # the profile it was investigated with
      "workspace": "/path/to/workspace",    # or null: the local workspace of that profile
      "created_at": "2026-08-27T15:02:11+00:00", "updated_at": "…",
      "trail": {                            # or null before anything was traced
        "start": "cb2e7b02-…", "resolved_at": "…",
        "hops": [{"kind": "prediction", "label": "…", "status": "resolved",
                  "reason": "logged at …", "retrieved_at": "…",
                  "snapshot": {"provider": "local-logs", "native_id": "…", "url": null,
                               "record_type": "Prediction", "record": {…}}}, …],
        "explanation": {"sentence": "rejected: … < threshold 0.62 of mortgage:4 …", …}
      },                                    # (schema 2; null when nothing explains it)
      "looked_at": [{"pane": "commits", "key": "<sha>", "label": "…", "at": "…"}],
      "bookmarks": [{"kind": "commit", "key": "<sha>", "label": "…", "note": "…",
                     "marked_at": "…", "snapshot": {…}, "related": [{…snapshot…}]}],
      "commit_marks": [{"mark": "good", "sha": "…", "marked_at": "…"}],
      "notes": [{"text": "…", "written_at": "…"}],
      "compares": [{"left": {…snapshot of the reference ModelVersion…}, "right": {…},
                    "compared_at": "…", "left_run": {…TrainingRun…}, "right_run": null}],
      "console": {"pane": "commits", "cursor": 3, "query": "decision=rejected",
                  "history": [{"pane": "predictions", "key": "…", "label": "…"}]}
    }

Times are ISO 8601 with a UTC offset.  ``record`` is the record of
:mod:`providers.records` named by ``record_type``, as :func:`providers.serialize.to_jsonable`
writes it, with secrets removed.  Unknown keys are errors, so a typo in a hand-edited
file is reported rather than silently dropped at the next save.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from providers.trail.explanation import Explanation

SCHEMA_VERSION = 4
"""2: the trail keeps the decision explained; 3: the compares made; 4: a prediction that
is a row of a record of several is bookmarked by its row (:mod:`tui.render.row_keys`)."""
GOOD, BAD = "good", "bad"


def utc_now() -> datetime:
    """The current time in UTC, to the second (what the case file records)."""
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Where a record lives (provider, native id/URL) and the record as it was seen."""

    provider: str
    native_id: str
    url: str | None
    record_type: str
    record: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CaseHop:
    """One hop of the resolved trail, with why it links and when it was retrieved."""

    kind: str
    label: str
    status: str
    reason: str
    retrieved_at: datetime
    snapshot: Snapshot | None = None


@dataclass(frozen=True, slots=True)
class CaseTrail:
    """The trail resolved during the investigation."""

    start: str
    resolved_at: datetime
    hops: tuple[CaseHop, ...]
    explanation: Explanation | None = None


@dataclass(frozen=True, slots=True)
class LookedAt:
    """An object the investigator opened (a pane and the object's key there)."""

    pane: str
    key: str
    label: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Bookmark:
    """An object marked as evidence, with the investigator's note.

    ``related`` holds records that explain it (the training run of a model version).
    """

    kind: str
    key: str
    label: str
    note: str
    marked_at: datetime
    snapshot: Snapshot | None = None
    related: tuple[Snapshot, ...] = ()


@dataclass(frozen=True, slots=True)
class CommitMark:
    """A good or bad mark of the commit walk."""

    mark: str
    sha: str
    marked_at: datetime


@dataclass(frozen=True, slots=True)
class Note:
    """A free-text note."""

    text: str
    written_at: datetime


@dataclass(frozen=True, slots=True)
class Comparison:
    """A Models compare made in the investigation: the reference version (``left``) and
    the version compared with it, each with its training run as seen (None: it names none).
    """

    left: Snapshot
    right: Snapshot
    compared_at: datetime
    left_run: Snapshot | None = None
    right_run: Snapshot | None = None

    @property
    def pair(self) -> tuple[str, str]:
        """The two versions' native ids (a compare of the same pair replaces an earlier)."""
        return self.left.native_id, self.right.native_id


@dataclass(frozen=True, slots=True)
class Place:
    """A history entry of the console: a pane and the object selected in it."""

    pane: str
    key: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class ConsoleState:
    """What the console needs to come back as it was: the pane on screen, the history and
    the predictions query."""

    pane: str = "predictions"
    history: tuple[Place, ...] = ()
    cursor: int = -1
    query: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    """A named investigation.  Every ``with_*`` method returns an updated copy."""

    schema_version: int
    name: str
    question: str
    profile: str
    workspace: str | None
    created_at: datetime
    updated_at: datetime
    trail: CaseTrail | None = None
    looked_at: tuple[LookedAt, ...] = ()
    bookmarks: tuple[Bookmark, ...] = ()
    commit_marks: tuple[CommitMark, ...] = ()
    notes: tuple[Note, ...] = ()
    console: ConsoleState = field(default_factory=ConsoleState)
    compares: tuple[Comparison, ...] = ()

    @classmethod
    def new(
        cls,
        name: str,
        *,
        question: str = "",
        profile: str = "",
        workspace: str | None = None,
        now: datetime | None = None,
    ) -> Case:
        """An empty case."""
        when = now or utc_now()
        return cls(SCHEMA_VERSION, name, question, profile, workspace, when, when)

    def _changed(self, now: datetime | None, **changes: Any) -> Case:
        return replace(self, updated_at=now or utc_now(), **changes)

    def with_trail(self, trail: CaseTrail, now: datetime | None = None) -> Case:
        """The case with the trail resolved now (it replaces an earlier one)."""
        return self._changed(now, trail=trail)

    def with_look(self, look: LookedAt) -> Case:
        """The case with one more object looked at (a repeat of the last one is dropped)."""
        last = self.looked_at[-1] if self.looked_at else None
        if last is not None and (last.pane, last.key) == (look.pane, look.key):
            return self
        return self._changed(look.at, looked_at=(*self.looked_at, look))

    def with_bookmark(self, bookmark: Bookmark) -> Case:
        """The case with ``bookmark``; bookmarking an object again replaces its note."""
        kept = tuple(b for b in self.bookmarks if (b.kind, b.key) != (bookmark.kind, bookmark.key))
        return self._changed(bookmark.marked_at, bookmarks=(*kept, bookmark))

    def with_commit_marks(
        self, good: str | None, bad: str | None, now: datetime | None = None
    ) -> Case:
        """The case with the commit walk's marks; an unchanged mark keeps its time."""
        when = now or utc_now()
        old = {(m.mark, m.sha): m for m in self.commit_marks}
        marks = tuple(
            old.get((mark, sha)) or CommitMark(mark, sha, when)
            for mark, sha in ((GOOD, good), (BAD, bad))
            if sha is not None
        )
        if marks == self.commit_marks:
            return self
        return self._changed(when, commit_marks=marks)

    def with_note(self, text: str, now: datetime | None = None) -> Case:
        """The case with one more free-text note."""
        when = now or utc_now()
        return self._changed(when, notes=(*self.notes, Note(text, when)))

    def with_compare(self, compared: Comparison) -> Case:
        """The case with a compare made; comparing the same two versions again replaces it."""
        kept = tuple(c for c in self.compares if c.pair != compared.pair)
        return self._changed(compared.compared_at, compares=(*kept, compared))

    def with_console(self, console: ConsoleState, now: datetime | None = None) -> Case:
        """The case with the console's pane and history as they are now."""
        if console == self.console:
            return self
        return self._changed(now, console=console)

    def mark_of(self, kind: str) -> str | None:
        """The sha marked ``"good"`` or ``"bad"``, if any."""
        return next((m.sha for m in self.commit_marks if m.mark == kind), None)
