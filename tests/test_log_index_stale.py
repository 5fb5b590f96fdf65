"""Index folders an older keys version left behind are removed when an index is opened,
and nothing else is: not a folder still in use, of a newer version, holding a file the
index does not write, named otherwise, or reached through a symbolic link."""

from __future__ import annotations

import hashlib
import os
import stat
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from logtree import V2Tree

from providers.local.predictions import LocalPredictionsProvider
from providers.predictions.index.id_index import KEYS_VERSION, index_folder

HOURS_AGO = time.time() - 2 * 3600


def old_index(base: Path, seed: str, *, extra: dict[str, str] | None = None) -> Path:
    """A folder as an older index left it (a meta.sqlite and a bucket), untouched for two
    hours; ``extra``: more files in it."""
    folder = base / hashlib.sha256(seed.encode()).hexdigest()[:24]
    folder.mkdir(parents=True)
    files = {"meta.sqlite": "SQLite format 3", "keys-00.bin": "12345678", **(extra or {})}
    for name, text in files.items():
        (folder / name).write_text(text)
        os.utime(folder / name, (HOURS_AGO, HOURS_AGO))
    os.utime(folder, (HOURS_AGO, HOURS_AGO))
    return folder


@pytest.mark.timeout(60)
def test_only_our_stale_index_folders_are_removed(tmp_path: Path) -> None:
    base = tmp_path / "log-index"
    version_1 = old_index(base, "v1")  # before folders said their version
    version_2 = old_index(base, "v2", extra={"keys-version": "2\n"})
    newer = old_index(base, "v9", extra={"keys-version": "9\n"})  # a newer modeltrail's
    foreign = old_index(base, "notes", extra={"notes.txt": "mine"})
    in_use = old_index(base, "busy")
    (in_use / "keys-01.bin").write_text("appended just now")
    named_otherwise = base / "my-index"
    named_otherwise.mkdir()
    (named_otherwise / "meta.sqlite").write_text("x")
    outside = old_index(tmp_path / "elsewhere", "linked")
    linked = base / hashlib.sha256(b"link").hexdigest()[:24]
    linked.symlink_to(outside, target_is_directory=True)
    before = {p.name for p in base.iterdir()}

    root = tmp_path / "logs"
    logs = V2Tree(root)
    logs.add(datetime(2024, 5, 1, 10, tzinfo=UTC), [{"age": 1}], [{"p": 0.5}])
    logs.write()
    provider = LocalPredictionsProvider(root, index_base=base)
    provider.find("no-such-id")
    provider.indexer.wait()
    provider.close()

    current = index_folder(base, provider.identity())
    left = {p.name for p in base.iterdir()}
    assert left == before - {version_1.name, version_2.name} | {current.name}
    assert (current / "keys-version").read_text() == f"{KEYS_VERSION}\n"
    assert stat.S_IMODE((current / "keys-version").stat().st_mode) == 0o600
    assert {p.name for p in outside.iterdir()} == {"meta.sqlite", "keys-00.bin"}
    assert (newer / "keys-version").is_file() and (foreign / "notes.txt").is_file()
