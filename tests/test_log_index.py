"""The id index of closed days: built after a lookup, used by later ones, invalidated by a
changed file, rebuilt when corrupt; and the bounded-memory substring scan."""

from __future__ import annotations

import io
import os
import stat
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from logtree import V1Tree, V2Tree, v1_path, write_bytes

from providers.local.predictions import LocalPredictionsProvider
from providers.predictions import scan
from providers.predictions.folder_layout import Layout, walk_inputs
from providers.predictions.formats.lines import RawLine
from providers.predictions.index.background_indexer import index_partitions
from providers.predictions.index.id_index import IdIndex, default_base
from providers.predictions.log_store import LocalFolderStore
from providers.predictions.reader import LogReader
from providers.protocols import ProviderContext
from providers.query import PredictionQuery

DAY = datetime(2024, 5, 1, tzinfo=UTC)  # long closed


class CountingStore(LocalFolderStore):
    """Counts whole-file reads (substring scans and opens), not small range reads."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.scanned: list[str] = []

    def open(self, name: str) -> BinaryIO:
        self.scanned.append(name)
        return super().open(name)

    def read_range(self, name: str, offset: int, length: int) -> bytes:
        with super().open(name) as stream:
            stream.seek(offset)
            return stream.read(length)

    def find_lines(self, name: str, needle: bytes) -> list[RawLine]:
        self.scanned.append(name)
        return super().find_lines(name, needle)


def provider(root: Path) -> LocalPredictionsProvider:
    return LocalPredictionsProvider.from_settings(
        {"path": root.name}, ProviderContext("test", root.parent)
    )


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Three closed days of v1 (daily) and v2 (hourly) logs; ids by name."""
    root = tmp_path / "logs"
    v1, v2 = V1Tree(root), V2Tree(root)
    ids = {}
    for day in range(3):
        for hour in (2, 20):
            when = DAY + timedelta(days=day, hours=hour)
            ids[f"v1-{day}-{hour}"] = v1.add(when, {"day": day}, {"score": hour / 100})
            ids[f"v2-{day}-{hour}"] = v2.add(when, [{"day": day}], [{"score": hour}])
    v1.add(DAY, {"day": 0}, {"score": 0.5}, request_id="req-shared")
    v1.add(DAY + timedelta(days=2), {"day": 2}, {"score": 0.6}, request_id="req-shared")
    v1.write()
    v2.write()
    return root, ids


def test_repeated_lookup_reads_the_index_not_the_files(tree: tuple[Path, dict[str, str]]) -> None:
    root, ids = tree
    p = provider(root)
    p.store = store = CountingStore(root)
    cold = p.find(ids["v1-1-20"])
    assert len(store.scanned) >= 6  # every inputs file was searched
    p.indexer.wait()
    for name, wanted in ids.items():
        store.scanned.clear()
        warm = p.find(wanted)
        assert store.scanned == [], name
        assert [r.correlation_id for r in warm.rows] == [wanted]
    again = p.find(ids["v1-1-20"])
    assert (again.rows, again.issues) == (cold.rows, cold.issues)  # file and line included
    assert again.files_scanned == 2 < cold.files_scanned  # the input and its output file
    shared = p.find("req-shared")
    assert store.scanned == []
    assert [r.inputs["day"] for r in shared.rows] == [0, 2]
    assert p.find("absent-id").rows == () and store.scanned == []


def test_the_index_lives_in_the_user_cache_dir_private(tree: tuple[Path, dict[str, str]]) -> None:
    root, ids = tree
    p = provider(root)
    p.find(ids["v2-0-2"])
    p.indexer.wait()
    base = default_base()
    assert base.parts[-2:] == ("modeltrail", "log-index")
    assert str(base).startswith(os.environ["XDG_CACHE_HOME"])
    [folder] = base.iterdir()
    assert stat.S_IMODE(base.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert any(f.name == "meta.sqlite" for f in files)
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}


def test_the_index_follows_the_cache_directory(
    tree: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, ids = tree
    cache_dir = tmp_path / "elsewhere"
    p = LocalPredictionsProvider.from_settings(
        {"path": root.name}, ProviderContext("test", root.parent, {"cache_dir": str(cache_dir)})
    )
    p.find(ids["v2-0-2"])
    p.indexer.wait()
    p.close()
    [folder] = (cache_dir / "log-index").iterdir()
    assert (folder / "meta.sqlite").is_file()
    assert not default_base().exists()


def test_a_changed_closed_file_is_searched_again(tree: tuple[Path, dict[str, str]]) -> None:
    root, ids = tree
    p = provider(root)
    p.find(ids["v1-0-2"])
    p.indexer.wait()
    extra = V1Tree(root)
    for hour in (2, 20):  # the same day's rows again, plus one new call
        extra.add(DAY + timedelta(hours=hour), {"day": 0}, {"score": 1.0}, corr=ids[f"v1-0-{hour}"])
    new = extra.add(DAY + timedelta(hours=23), {"day": 0}, {"score": 0.9})
    extra.add(DAY, {"day": 0}, {"score": 0.5}, request_id="req-shared")
    extra.write()
    p.store = store = CountingStore(root)
    [row] = p.find(ids["v1-0-20"]).rows  # its indexed file changed: searched whole
    assert row.outputs == {"score": 1.0}
    assert any("2024/05/01/data.csv" in name for name in store.scanned)
    p.indexer.wait()  # the check after that lookup dropped the changed day from the index
    [row] = p.find(new).rows
    assert row.outputs == {"score": 0.9}
    p.indexer.wait()
    store.scanned.clear()
    [row] = p.find(new).rows  # and the day is indexed again
    assert row.outputs == {"score": 0.9} and store.scanned == []


def test_a_file_added_to_a_closed_hour_is_found_and_indexed(
    tree: tuple[Path, dict[str, str]],
) -> None:
    root, ids = tree
    odd = v1_path(root, "inputs", DAY + timedelta(days=3))  # never indexed: another header
    write_bytes(odd, b"a,b\n1,2\n")
    p = provider(root)
    p.find(ids["v2-1-20"])
    p.indexer.wait()
    late = V2Tree(root)  # a replica's file, synced after the day was indexed
    when = DAY + timedelta(days=1, hours=20, minutes=5)
    new = late.add(when, [{"day": 1}], [{"score": 7}], instance="instance-1")
    late.write()
    p.store = store = CountingStore(root)
    [row] = p.find(new).rows  # a miss has the index checked: the hour is searched
    assert row.outputs == {"score": 7}
    searched = [name for name in store.scanned if "/2024/05/04/" not in name]
    assert searched and all("/2024/05/02/20/" in name for name in searched)
    assert len(store.scanned) == len(searched) + 1  # the unindexed day, once
    p.indexer.wait()
    store.scanned.clear()
    [row] = p.find(new).rows  # and indexed again
    assert row.outputs == {"score": 7} and store.scanned == [str(odd.relative_to(root))]


def test_a_changed_closed_hour_is_searched_then_indexed_again(
    tree: tuple[Path, dict[str, str]],
) -> None:
    root, ids = tree
    p = provider(root)
    p.find(ids["v2-1-20"])
    p.indexer.wait()
    late = V2Tree(root)  # the hour's file again, with one more call
    when = DAY + timedelta(days=1, hours=20)
    late.add(when, [{"day": 1}], [{"score": 20}], corr=ids["v2-1-20"])
    new = late.add(when + timedelta(minutes=1), [{"day": 9}], [{"score": 9}])
    late.write()
    p.store = store = CountingStore(root)
    [row] = p.find(ids["v2-1-20"]).rows  # its hour's indexed file changed: searched whole
    assert row.outputs == {"score": 20}
    assert any("05/02/20/" in name for name in store.scanned)
    p.indexer.wait()  # the check after that lookup dropped the day and the hour
    [row] = p.find(new).rows
    assert row.outputs == {"score": 9}
    p.indexer.wait()
    store.scanned.clear()
    [row] = p.find(new).rows  # and the hour is indexed again
    assert row.outputs == {"score": 9} and store.scanned == []


def test_a_corrupt_index_is_rebuilt(tree: tuple[Path, dict[str, str]]) -> None:
    root, ids = tree
    p = provider(root)
    p.find(ids["v1-2-2"])
    p.indexer.wait()
    p.close()
    [folder] = default_base().iterdir()
    for file in folder.iterdir():
        file.write_bytes(b"\x00garbage" * 100)
    [row] = p.find(ids["v1-2-2"]).rows  # answered by scanning; no crash
    assert row.correlation_id == ids["v1-2-2"]
    p.indexer.wait()
    p.store = store = CountingStore(root)
    assert [r.correlation_id for r in p.find(ids["v2-2-20"]).rows] == [ids["v2-2-20"]]
    assert store.scanned == []


def test_todays_files_are_rescanned_as_they_grow(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    v1 = V1Tree(root)
    old = v1.add(today - timedelta(days=1), {"n": 1}, {"o": 1})
    first = v1.add(today, {"n": 2}, {"o": 2})
    v1.write()
    p = provider(root)
    assert len(p.find(first).rows) == 1
    p.indexer.wait()
    grown = V1Tree(root)  # today's files only, with one more call
    grown.add(today, {"n": 2}, {"o": 2}, corr=first)
    later = grown.add(today + timedelta(seconds=1), {"n": 3}, {"o": 3})
    grown.write()
    p.store = store = CountingStore(root)
    assert [r.inputs["n"] for r in p.find(later).rows] == [3]
    assert [n for n in store.scanned if "/inputs/" in n] == [
        v1_path(root, "inputs", today).relative_to(root).as_posix()
    ]
    store.scanned.clear()
    assert [r.inputs["n"] for r in p.find(old).rows] == [1]
    assert all(today.strftime("%Y/%m/%d") in n for n in store.scanned)


def test_a_v1_file_with_an_unusual_header_stays_unindexed_but_found(tmp_path: Path) -> None:
    root = tmp_path / "logs"
    header = "$aml_dc_correlation_id,x,$aml_dc_scoring_timestamp,$aml_request_id\r\n"
    write_bytes(v1_path(root, "inputs", DAY), f"{header}c-1,5,2024-05-01T01:00:00,r-1\r\n".encode())
    write_bytes(
        v1_path(root, "predictions", DAY), f"{header}c-1,6,2024-05-01T01:00:00,r-1\r\n".encode()
    )
    store = CountingStore(root)
    index = IdIndex(tmp_path / "index")
    reader = LogReader(store, Layout(), "t", index=index, schedule=lambda parts: None)
    index_partitions(store, index, walk_inputs(store, Layout(), PredictionQuery()))
    assert index.folders() == set()
    store.scanned.clear()
    [row] = reader.find("r-1").rows
    assert (row.inputs, row.outputs) == ({"x": 5}, {"x": 6})
    assert store.scanned  # searched, since the index does not hold it


def test_scan_memory_is_bounded_by_the_buffer(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(scan, "SCAN_BYTES", 256 * 1024)
    line = b"x" * 99 + b"\n"
    path = write_bytes(tmp_path / "big.csv", line * 80_000 + b"the needle\n" + line * 20_000)
    tracemalloc.start()
    with path.open("rb", buffering=0) as stream:
        [hit] = scan.find_lines(stream, b"needle")  # type: ignore[arg-type]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert (hit.number, hit.data, hit.offset) == (80_001, b"the needle\n", 8_000_000)
    assert peak < 1_000_000 < path.stat().st_size  # a buffer or two, not the 10 MB file


class AppendingFile(io.FileIO):
    """A file that the collector appends to right after the reader's first read."""

    appended = False

    def readinto(self, buffer: Any) -> int | None:
        read = super().readinto(buffer)
        if not self.appended:
            self.appended = True
            with open(self.name, "ab") as out:  # noqa: PTH123
                out.write(b': 1}\n{"id": "a"}\n')
        return read


def test_scan_reads_a_snapshot_of_a_file_being_appended(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(scan, "SCAN_BYTES", 8)
    path = write_bytes(tmp_path / "f.jsonl", b'{"id": "a"}\n{"id": "a", "tail"')
    with AppendingFile(path) as stream:
        hits = scan.find_lines(stream, b'"a"')  # type: ignore[arg-type]
    assert stream.appended
    assert [(h.number, h.data, h.complete) for h in hits] == [
        (1, b'{"id": "a"}\n', True),
        (2, b'{"id": "a", "tail"', False),
    ]


def test_the_folder_set_is_read_again_when_another_connection_writes_it(tmp_path: Path) -> None:
    """Lookups keep the indexed folders between calls; a write by this index or by
    another process's (another connection) is seen at once."""
    mine, theirs = IdIndex(tmp_path / "index"), IdIndex(tmp_path / "index")
    mine.add_folders(["modeldata/a/2024/05/01"])
    assert mine.folders() == {"modeldata/a/2024/05/01"}
    assert mine.folders() is mine.folders()  # kept, not read again
    theirs.add_folders(["modeldata/a/2024/05/02"])
    assert mine.folders() == {"modeldata/a/2024/05/01", "modeldata/a/2024/05/02"}
    theirs.drop_folders({"modeldata/a/2024/05/01"})
    assert mine.folders() == {"modeldata/a/2024/05/02"}
    mine.drop_folders({"modeldata/a/2024/05/02"})
    assert mine.folders() == set()
