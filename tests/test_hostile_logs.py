"""Hostile log folders: one bad line, file, link or index folder is a reported issue for that
item, never a failure of the whole search or lookup, and the Python and DuckDB paths report
the same issues.  Every test bounds its own time."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from logtree import V1Tree

from providers.local.predictions import LocalPredictionsProvider
from providers.records import DataIssue

DAY = datetime(2024, 5, 1, tzinfo=UTC)  # long closed
ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def bounded(seconds: float, work: Callable[[], T]) -> T:
    """``work()``, failing the test if it has not returned within ``seconds``."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append((True, work()))
        except BaseException as exc:
            outcome.append((False, exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if not outcome:
        pytest.fail(f"did not finish within {seconds} s")
    done, value = outcome[0]
    if not done:
        raise value
    return value  # type: ignore[no-any-return]


def v1_days(root: Path, days: int) -> list[str]:
    """``days`` closed days of v1 logs, one call a day; their correlation ids."""
    tree = V1Tree(root)
    ids = [tree.add(DAY + timedelta(days=d, hours=9), {"n": d}, {"score": d}) for d in range(days)]
    tree.write()
    return ids


# -- the id index in a folder it cannot write ---------------------------------------------


def lookups(provider: LocalPredictionsProvider, ids: list[str]) -> list[DataIssue]:
    """Look every id up twice (cold, then once indexing is over); each is found once.
    Returns the issues of all lookups."""
    issues: list[DataIssue] = []
    for _ in range(2):
        for wanted in ids:
            page = provider.find(wanted)
            assert [r.correlation_id for r in page.rows] == [wanted]
            issues += page.issues
            provider.indexer.wait()
    return issues


def test_an_index_folder_that_cannot_be_made_turns_the_index_off(tmp_path: Path) -> None:
    ids = v1_days(tmp_path / "logs", 3)
    (tmp_path / "cache").write_text("a file where the cache folder should be")
    p = LocalPredictionsProvider(tmp_path / "logs", index_base=tmp_path / "cache" / "log-index")
    [notice] = bounded(60, lambda: lookups(p, ids))
    assert notice.message.startswith("the id index is off for this session (Not a directory")
    assert notice.message.endswith("; lookups search every file")
    assert notice.location == str(p.indexer.index.folder)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file modes")
def test_a_read_only_cache_folder_turns_the_index_off(tmp_path: Path) -> None:
    ids = v1_days(tmp_path / "logs", 3)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o500)
    try:
        p = LocalPredictionsProvider(tmp_path / "logs", index_base=cache / "log-index")
        [notice] = bounded(60, lambda: lookups(p, ids))
    finally:
        cache.chmod(0o700)
    assert "(Permission denied" in notice.message


FULL_DISK = """
import json, resource, signal, sys
sys.path.insert(0, "tests")
from pathlib import Path
from providers.local.predictions import LocalPredictionsProvider
from test_hostile_logs import lookups

root, limit, ids = Path(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
provider = LocalPredictionsProvider(root / "logs", index_base=root / "cache")
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
issues = lookups(provider, ids)
print(json.dumps([[i.location, i.message] for i in issues]))
"""


def test_a_full_disk_turns_the_index_off(tmp_path: Path) -> None:
    """The index's files may not grow past 28 KiB (RLIMIT_FSIZE in a child process): its
    SQLite database fills up while 40 files are indexed."""
    ids = v1_days(tmp_path / "logs", 20)
    limit = 28 * 1024
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(tmp_path), str(limit), json.dumps(ids)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [(location, message)] = json.loads(done.stdout)
    assert location.startswith(str(tmp_path / "cache"))
    # SQLite says "full" when a write was cut short, "disk I/O error" when it failed whole
    assert re.fullmatch(
        r"the id index is off for this session \((database or disk is full|disk I/O error"
        r"|File too large: .*)\); lookups search every file",
        message,
    ), message
    assert max(f.stat().st_size for f in (tmp_path / "cache").rglob("*")) <= limit
