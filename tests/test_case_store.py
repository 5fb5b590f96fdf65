"""Case files: round trip, atomic writes, and clear errors for files that are not right."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from case_demo import NOW, traced_case

from providers.config import workspace_profile
from providers.errors import BadData, ConfigError, NotFound, Unavailable
from tui.cases.availability import missing_objects
from tui.cases.case_folder import CaseStore, check_name, default_cases_dir
from tui.cases.model import SCHEMA_VERSION, Case
from tui.cases.snapshot import trail_from_case
from tui.demo.workspace import DemoCase


def test_round_trip_keeps_every_field_and_the_typed_trail(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    case = traced_case(demo)
    store = CaseStore(tmp_path)
    path = store.save(case)
    assert path == tmp_path / "auditor.json"
    assert oct(path.stat().st_mode & 0o777) == "0o600"  # cases may hold personal data
    data = json.loads(path.read_text())
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["trail"]["hops"][0]["snapshot"]["provider"] == "local-logs"
    loaded = store.load("auditor")
    assert loaded == case
    trail = trail_from_case(loaded.trail)  # type: ignore[arg-type]
    commit = trail.hop("commit")
    assert commit is not None and commit.record.sha.startswith(commit.label)
    assert [h.kind for h in trail.hops][:3] == ["prediction", "deployment", "model"]
    assert trail.complete


def test_default_folder_is_the_user_data_dir() -> None:
    assert default_cases_dir().parts[-2:] == ("modeltrail", "cases")
    assert str(default_cases_dir()).startswith(os.environ["XDG_DATA_HOME"])


def test_a_failed_write_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CaseStore(tmp_path)
    old = Case.new("c", question="first", now=NOW)
    store.save(old)
    before = (tmp_path / "c.json").read_bytes()

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(Unavailable, match="No space left on device") as caught:
        store.save(old.with_note("lost?", NOW))
    assert "previously saved version is kept" in caught.value.hint
    assert (tmp_path / "c.json").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.json"]  # no temp file left behind


def test_new_never_replaces_an_existing_case(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    store.create(Case.new("c", question="first", now=NOW))
    with pytest.raises(ConfigError, match="already exists"):
        store.create(Case.new("c", question="second", now=NOW))
    assert store.load("c").question == "first"


@pytest.mark.parametrize("name", ["", "../x", ".hidden", "a/b", "-x", "x" * 81, "a b"])
def test_names_that_cannot_name_a_file(name: str) -> None:
    with pytest.raises(ConfigError, match="cannot name a case"):
        check_name(name)


def test_truncated_file(demo: tuple[Path, DemoCase], tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    path = store.save(traced_case(demo))
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(BadData, match=r"not valid JSON.*looks truncated") as caught:
        store.load("auditor")
    assert "left as it is" in caught.value.hint
    assert path.read_bytes() == raw[: len(raw) // 2]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["notes"][0].update(text=42), r"case\.notes\[0\]\.text: expected str"),
        (lambda d: d["bookmarks"][0].pop("note"), r"case\.bookmarks\[0\]\.note: is missing"),
        (lambda d: d.update(nots=[]), r"case: unknown key 'nots'"),
        (lambda d: d.update(created_at="yesterday"), r"case\.created_at"),
        (lambda d: d.update(schema_version="1"), "schema_version is missing or not"),
    ],
)
def test_hand_edited_file_names_the_field(
    demo: tuple[Path, DemoCase], tmp_path: Path, edit: object, message: str
) -> None:
    store = CaseStore(tmp_path)
    path = store.save(traced_case(demo))
    data = json.loads(path.read_text())
    edit(data)  # type: ignore[operator]
    path.write_text(json.dumps(data))
    with pytest.raises(BadData, match=message):
        store.load("auditor")


def test_a_record_edited_by_hand_is_reported_when_the_trail_is_rebuilt(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    store = CaseStore(tmp_path)
    path = store.save(traced_case(demo))
    data = json.loads(path.read_text())
    data["trail"]["hops"][2]["snapshot"]["record"]["created_at"] = 17
    path.write_text(json.dumps(data))
    case = store.load("auditor")
    with pytest.raises(BadData, match=r"trail hop 3 \(model\): the ModelVersion record"):
        trail_from_case(case.trail)  # type: ignore[arg-type]


def test_newer_schema_is_refused_with_a_hint(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    path = store.save(Case.new("c", now=NOW))
    data = json.loads(path.read_text())
    data["schema_version"] = SCHEMA_VERSION + 1
    path.write_text(json.dumps(data))
    with pytest.raises(BadData, match="newer modeltrail") as caught:
        store.load("c")
    assert "upgrade modeltrail" in caught.value.hint


def test_listing_shows_unreadable_cases_with_their_error(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    store.save(Case.new("good", question="q", now=NOW))
    (tmp_path / "bad.json").write_text("{")
    entries = {e.name: e for e in store.entries()}
    assert entries["good"].case is not None and entries["good"].case.question == "q"
    assert entries["bad"].case is None and "not valid JSON" in entries["bad"].error
    with pytest.raises(NotFound, match="no case named 'nope'"):
        store.load("nope")


def test_objects_gone_from_the_backends_are_named(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    from providers.backends import open_backends

    case = traced_case(demo)
    backends = open_backends(workspace_profile(demo[0], "demo"))
    try:
        assert missing_objects(case, backends) == []
    finally:
        backends.close()
    # The same case against a workspace where the repository and documents are gone.
    empty = tmp_path / "empty"
    (empty / "repo").mkdir(parents=True)
    (empty / "docs").mkdir()
    (empty / "blobs").mkdir()
    subprocess.run(["git", "-C", str(empty / "repo"), "init", "-q"], check=True)
    backends = open_backends(workspace_profile(empty, "demo"))
    try:
        gone = {m.kind: m.reason for m in missing_objects(case, backends)}
    finally:
        backends.close()
    assert {"prediction", "deployment", "model", "run", "release", "build", "commit"} <= set(gone)
    assert "no longer in the prediction logs" in gone["prediction"]


def test_offline_the_cache_answers_and_what_it_lacks_is_named(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    from cache.open import open_cached

    case = traced_case(demo)
    profile = workspace_profile(demo[0], "demo")
    backends, cache = open_cached(profile, {}, offline=False, warn=lambda _: None)
    try:
        assert missing_objects(case, backends) == []  # online: fetched, and now cached
        assert cache is not None
        cache.offline = True
        assert missing_objects(case, backends) == []  # offline: all from the cache
    finally:
        backends.close()
        if cache is not None:
            cache.store.close()
    cold = {"directory": str(tmp_path / "empty-cache")}
    backends, cache = open_cached(profile, cold, offline=True, warn=lambda _: None)
    try:
        gone = missing_objects(case, backends)
    finally:
        backends.close()
        if cache is not None:
            cache.store.close()
    assert gone and all("not in the cache" in m.reason for m in gone), gone


def test_the_explanation_is_kept_and_a_schema_1_file_still_opens(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    case = traced_case(demo)
    assert case.trail is not None and case.trail.explanation is not None
    store = CaseStore(tmp_path)
    path = store.save(case)
    restored = trail_from_case(store.load("auditor").trail)  # type: ignore[arg-type]
    assert restored.explanation == case.trail.explanation
    old = json.loads(path.read_text())
    old["schema_version"] = 1  # as written before the trail kept its explanation
    del old["compares"]  # (and before compares were kept)
    del old["trail"]["explanation"]
    path.write_text(json.dumps(old))
    loaded = store.load("auditor")
    assert loaded.trail is not None and loaded.trail.explanation is None
    store.save(loaded)
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION == 4


def test_a_file_cut_inside_a_number_looks_truncated(tmp_path: Path) -> None:
    store = CaseStore(tmp_path)
    store.path("cut").write_text('{"schema_version": 2,\n "trail": {"x": [\n    0.')
    with pytest.raises(BadData, match=r"looks truncated"):
        store.load("cut")  # json stops at the '.', one character before the end
