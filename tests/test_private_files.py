"""Everything modeltrail writes is private: folders 0700, files 0600, pre-existing folders
of its own (a cache folder made 0777) tightened — after a trace, a case, exports and
cache use through the command line, in the Blob mirror and the DevOps SDK's cache."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from providers.blob.mirror import BlobState, Mirror
from providers.predictions.duckdb_search.csv_search import DuckSearch
from providers.predictions.log_store import LocalFolderStore
from providers.private import NotPrivate, private_dir
from tui.cli.main import main
from tui.demo.workspace import DemoCase

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual umask, under which a folder made without care is 0755."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _open_to_others(*roots: Path) -> list[str]:
    found = []
    for root in roots:
        for path in [root, *root.rglob("*")]:
            mode = stat.S_IMODE(path.lstat().st_mode)
            if mode & 0o077:
                found.append(f"{stat.filemode(path.lstat().st_mode)} {path.relative_to(root)}")
    return found


def test_trace_case_export_and_cache_leave_only_private_files(
    demo: tuple[Path, DemoCase],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    umask_022: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    workspace, info = demo
    cache, data = tmp_path / "cache", tmp_path / "data"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    (cache / "modeltrail").mkdir(parents=True)
    (cache / "modeltrail").chmod(0o777)  # left so by someone, or an old version
    out = tmp_path / "reports" / "new" / "c1.json"
    commands = (
        ["trace", info.request_id, "--workspace", str(workspace)],
        ["case", "new", "c1", "--workspace", str(workspace)],
        ["case", "export", "c1", "--format", "md"],
        ["case", "export", "c1", "--format", "json", "--out", str(out)],
        ["cache", "info"],
    )
    codes: list[int] = []
    run = threading.Thread(target=lambda: codes.extend(map(main, commands)), daemon=True)
    run.start()
    run.join(timeout=120)  # the deadline of the whole run
    assert not run.is_alive(), "the commands took over 120 s"
    assert codes == [0] * len(commands), capsys.readouterr().err
    assert os.umask(0o022) == 0o022  # the run's umask does not outlive it
    assert (cache / "modeltrail" / "records").is_dir()
    assert (data / "modeltrail" / "cases" / "exports" / "c1.md").is_file()
    assert _open_to_others(cache / "modeltrail", data, out.parent.parent) == []


def test_blob_mirror_is_private_and_tightened(tmp_path: Path, umask_022: None) -> None:
    root = tmp_path / "blobs" / "0123abcd"
    root.mkdir(parents=True, mode=0o777)
    root.chmod(0o777)
    mirror = Mirror(root)
    mirror.replace("logs/2026/03/04/10/a.jsonl", [b"{}\n"], BlobState(3, "etag"))
    mirror.save_listing("logs/2026/03/04", [("logs/2026/03/04/10/a.jsonl", BlobState(3, "e"))])
    assert _open_to_others(root) == []


def test_devops_sdk_cache_folder_is_private(tmp_path: Path) -> None:
    """The SDK makes its cache folder when imported; it must find ours, private, first."""
    made_open = tmp_path / "modeltrail" / "azure-devops"
    code = (
        "import os; os.umask(0o022)\n"
        "from providers.devops.sdk import prepare_sdk\n"
        "prepare_sdk()\n"
        "import azure.devops._file_cache\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)
    assert stat.S_IMODE(made_open.stat().st_mode) == 0o700


def test_a_folder_that_cannot_be_made_private_is_refused(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can change the mode of any folder")
    shared = Path("/tmp")  # someone else's (root's), open to all
    with pytest.raises(NotPrivate, match="open to other users"):
        private_dir(shared)


def test_duckdb_spills_into_a_private_folder_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask_022: None
) -> None:
    """Spilled rows hold payloads: never in a fixed-name folder of the shared temp folder,
    which someone else may have made first (open to all, or a link)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    planted = tmp_path / "modeltrail-duckdb"
    planted.mkdir()
    planted.chmod(0o777)
    search = DuckSearch(LocalFolderStore(tmp_path), "t")
    found = search._connection().execute("select current_setting('temp_directory')").fetchone()
    spill = Path(found[0])
    assert spill.parent == tmp_path and spill != planted
    assert stat.S_IMODE(spill.stat().st_mode) == 0o700
    search.close()
    assert not spill.exists()
