"""The azure-blob provider against a real Azurite: same results as local-logs on the same
tree, pruned listing, the mirror, appends, credentials from the environment, errors."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import azurite as azurite_module
import pytest
from azure.storage.blob import (
    BlobServiceClient,
    BlobType,
    ContainerSasPermissions,
    generate_container_sas,
)
from azurite import ACCOUNT, KEY, Endpoint, Fault, Proxy, Seen, azurite, running_azurite
from logtree import V1Tree, V2Tree, v2_record, write_bytes

from providers.blob.blob_log_store import BlobLogStore
from providers.blob.container import RETRIES
from providers.blob.provider import BlobPredictionsProvider
from providers.errors import ConfigError, NotFound, Throttled, Unauthorized
from providers.local.predictions import LocalPredictionsProvider
from providers.predictions import paging
from providers.predictions.formats.lines import RawLine
from providers.protocols import PredictionPage, ProviderContext
from providers.query import PredictionQuery, parse_query
from providers.records import DataIssue, Prediction

__all__ = ["azurite"]  # the fixture, used by name

DAY = datetime(2024, 5, 1, tzinfo=UTC)
V2_CONTAINER = "azureml-blobstore-test"
ENV = "MODELTRAIL_TEST_BLOB_CONNECTION"


# -- the tree -------------------------------------------------------------------------


def build_tree(root: Path) -> None:
    """Both formats, several models/versions/deployments, days and hours, a header change
    mid-month, a malformed file and a malformed line; laid out like the storage account."""
    v1 = V1Tree(root)
    for day in range(4):
        when = DAY + timedelta(days=day, hours=9)
        for version in ("3", "4"):
            features: dict[str, Any] = {"age": 30 + day, "plan": f"p{day}, v{version}"}
            if version == "3" and day >= 2:
                features["region"] = "north"  # the header changes mid-month
            for minute in range(3):
                v1.add(
                    when + timedelta(minutes=minute),
                    features,
                    {"churn": minute % 2},
                    request_id=f"v1-{version}-{day}-{minute}",
                    version=version,
                )
    v1.add(DAY + timedelta(hours=10), {"age": 1}, None, request_id="v1-lonely", model="other")
    v1.write()
    broken = root / "modeldata/sub-1/rg-1/ws-1/churn-svc/churn/3/inputs/2024/05/02/broken.csv"
    write_bytes(broken, b'"unterminated,header\n1,2\n')
    v2 = V2Tree(root, prefix=f"{V2_CONTAINER}/modelDataCollector")
    for day in range(3):
        for hour in (8, 14):
            for deployment in ("blue", "green"):
                when = DAY + timedelta(days=day, hours=hour, minutes=5)
                v2.add(
                    when,
                    [{"age": day, "hour": hour}, {"age": day + 1, "hour": hour}],
                    [{"p": 0.25}, {"p": 0.75}],
                    corr=f"v2-{deployment}-{day}-{hour}",
                    deployment=deployment,
                )
    v2.add(DAY + timedelta(hours=8, minutes=9), {"input_data": [[1]]}, {"out": [1]}, payload=True)
    v2.write()
    bad = root / V2_CONTAINER / "modelDataCollector/churn-ep/blue/model_inputs/2024/05/01/08"
    with (bad / "instance-0.jsonl").open("ab") as out:
        out.write(b"{not json\n")


def upload(service: BlobServiceClient, root: Path, rename: dict[str, str] | None = None) -> None:
    """Upload every file under ``root``: first folder = container, the rest = blob name."""
    rename = rename or {}
    made: set[str] = set()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        first, *rest = path.relative_to(root).parts
        container = rename.get(first, first)
        if container not in made:
            service.create_container(container)
            made.add(container)
        service.get_blob_client(container, "/".join(rest)).upload_blob(path.read_bytes())


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("account")
    build_tree(root)
    return root


@pytest.fixture(scope="module")
def service(azurite: Endpoint, tree: Path) -> BlobServiceClient:
    """The SDK client of Azurite, holding the tree in containers modeldata and V2_CONTAINER."""
    client = BlobServiceClient.from_connection_string(azurite.connection_string())
    upload(client, tree)
    return client


@pytest.fixture(scope="module")
def proxy(azurite: Endpoint, service: BlobServiceClient) -> Iterator[Proxy]:
    with Proxy(azurite.port) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_proxy(request: pytest.FixtureRequest) -> None:
    if "proxy" in request.fixturenames:
        running: Proxy = request.getfixturevalue("proxy")
        running.clear()
        running.faults.clear()
        running.hooks.clear()


def blob(
    endpoint: Endpoint,
    container: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    key: str = KEY,
    **settings: str,
) -> BlobPredictionsProvider:
    monkeypatch.setenv(ENV, endpoint.connection_string(key))
    defaults = {
        "account_url": endpoint.account_url,
        "container": container,
        "connection_string_env": ENV,
        "mirror_dir": "mirror",
    }
    return BlobPredictionsProvider.from_settings(
        {**defaults, **settings}, ProviderContext("test", tmp_path)
    )


def rows(pages: Iterator[PredictionPage] | PredictionPage) -> list[Prediction]:
    listed = [pages] if isinstance(pages, PredictionPage) else list(pages)
    return [replace(r, source=replace(r.source, provider="")) for p in listed for r in p.rows]


def issues(pages: Iterator[PredictionPage]) -> set[DataIssue]:
    return {i for p in pages for i in p.issues}


def downloaded(seen: list[Seen]) -> list[str]:
    return sorted(s.path.split("/", 3)[3] for s in seen if s.is_download)


# -- same results as the local provider ---------------------------------------------------


@pytest.fixture
def providers(
    azurite: Endpoint, service: BlobServiceClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[BlobPredictionsProvider, BlobPredictionsProvider]:
    """Blob providers of the v1 and the v2 container."""
    return (
        blob(azurite, "modeldata", tmp_path, monkeypatch),
        blob(azurite, V2_CONTAINER, tmp_path, monkeypatch),
    )


def test_same_results_as_local_logs(
    tree: Path, providers: tuple[BlobPredictionsProvider, BlobPredictionsProvider]
) -> None:
    v1, v2 = providers
    local = LocalPredictionsProvider(tree)
    queries = [
        PredictionQuery(),
        PredictionQuery(start=DAY + timedelta(days=1), end=DAY + timedelta(days=2)),
        PredictionQuery(start=DAY + timedelta(hours=12), end=DAY + timedelta(days=1, hours=9)),
        PredictionQuery(endpoint="churn-ep", deployment="green"),
        PredictionQuery(model_name="churn", model_version="4"),
        PredictionQuery(request_id="v1-3-2-1"),
        parse_query("age>=31 churn=1"),  # a field filter: DuckDB over the mirror copies
    ]
    for query in queries:
        expected = list(local.search(query))
        got = [*v1.search(query), *v2.search(query)]
        assert sorted(map(repr, rows(iter(got)))) == sorted(map(repr, rows(iter(expected))))
        assert issues(iter(got)) == issues(iter(expected))
    assert len(rows(local.search(PredictionQuery()))) == (2 * 4 * 3 + 1) + (3 * 2 * 2 * 2 + 1)
    assert len(rows(v1.search(queries[-1]))) == 6  # days 1-3 (age 31-33), minute 1, 2 versions
    for wanted in ("v1-3-2-1", "v1-4-0-0", "v2-green-1-14", "v1-lonely", "nope"):
        found = rows(v1.find(wanted)) + rows(v2.find(wanted))
        assert found == rows(local.find(wanted)), wanted
    [row] = rows(v1.find("v1-3-2-1"))
    assert row.inputs == {"age": 32, "plan": "p2, v3", "region": "north"}
    assert row.outputs == {"churn": 1}
    assert row.source.native_id.startswith("modeldata/sub-1/rg-1/ws-1/churn-svc/churn/3/inputs/")
    assert v1.find("v1-3-2-1").rows[0].source.provider == "azure-blob"


def test_settings_and_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    endpoint = Endpoint(1)
    v1 = blob(endpoint, "modeldata", tmp_path, monkeypatch)
    assert v1.identity() == {
        "account_url": endpoint.account_url,
        "container": "modeldata",
        "prefix": "",
        "format": "v1",
    }
    v2 = blob(endpoint, "ws-store", tmp_path, monkeypatch)
    assert dict(v2.identity()) | {"prefix": "modelDataCollector", "format": "v2"} == dict(
        v2.identity()
    )
    assert v1.mirror.root.parent == tmp_path / "mirror"
    assert v1.mirror.root != v2.mirror.root
    table = {"account_url": endpoint.account_url, "container": "modeldata"}
    cached = ProviderContext("t", tmp_path, {"cache_dir": str(tmp_path / "cache")})
    in_cache = BlobPredictionsProvider.from_settings(table, cached)
    assert in_cache.mirror.root.parent == tmp_path / "cache" / "blobs"
    default = BlobPredictionsProvider.from_settings(table, ProviderContext("t", tmp_path))
    user_cache = Path(os.environ["XDG_CACHE_HOME"]) / "modeltrail" / "blobs"
    assert default.mirror.root.parent == user_cache
    assert KEY not in json.dumps(dict(v1.identity()))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"container": "c"}, "account_url is required"),
        ({"account_url": "http://x"}, "container is required"),
        ({"account_url": "http://x", "container": "c", "colour": "red"}, "unknown setting"),
        ({"account_url": "ftp://x", "container": "c"}, "http"),
        ({"account_url": "https://x/?sig=SECRET", "container": "c"}, "query string"),
        ({"account_url": "http://x", "container": "c", "format": "v3"}, "format"),
        ({"account_url": "http://x", "container": "c", "sas_env": "A",
          "connection_string_env": "B"}, "not both"),
    ],
)  # fmt: skip
def test_bad_settings(tmp_path: Path, settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        BlobPredictionsProvider.from_settings(settings, ProviderContext("t", tmp_path))
    assert "SECRET" not in str(raised.value)


def test_building_the_provider_imports_no_sdk() -> None:
    code = (
        "import sys; from pathlib import Path\n"
        "from providers.blob.provider import BlobPredictionsProvider as P\n"
        "from providers.protocols import ProviderContext\n"
        "P.from_settings({'account_url': 'https://a.blob.core.windows.net',"
        " 'container': 'modeldata'}, ProviderContext('t', Path('.')))\n"
        "print(sorted(m for m in sys.modules if m.startswith('azure')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- listing only what a query needs, and the mirror ------------------------------------


def test_time_range_lists_and_reads_only_its_prefixes(
    proxy: Proxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = blob(proxy.endpoint, "modeldata", tmp_path, monkeypatch)
    day = DAY + timedelta(days=1)
    got = rows(v1.search(PredictionQuery(start=day, end=day + timedelta(days=1))))
    assert {r.request_id for r in got} == {f"v1-{v}-1-{m}" for v in "34" for m in range(3)}
    prefixes = [s.query.get("prefix", "") for s in proxy.listings()]
    dated = [p for p in prefixes if "/2024/" in p]
    assert dated, prefixes
    for prefix in dated:  # years and months on the way, then only the one day
        tail = prefix.split("/2024/", 1)[1]
        assert tail in ("", "05/", "05/02/"), prefix
    base = "/devstoreaccount1/modeldata/sub-1/rg-1/ws-1/churn-svc/churn"
    expected = [
        f"{base}/{v}/{d}/2024/05/02/data.csv" for v in "34" for d in ("inputs", "predictions")
    ]
    expected.append(f"{base}/3/inputs/2024/05/02/broken.csv")
    assert downloaded(proxy.seen) == sorted(e.split("/", 3)[3] for e in expected)


def test_closed_days_are_listed_once(
    proxy: Proxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    v2 = blob(proxy.endpoint, V2_CONTAINER, tmp_path, monkeypatch)
    query = PredictionQuery(start=DAY + timedelta(days=1), end=DAY + timedelta(days=3))
    first = rows(v2.search(query))
    assert len(first) == 2 * 2 * 2 * 2
    day_level = [s.query["prefix"] for s in proxy.listings() if "/2024/05/0" in s.query["prefix"]]
    assert all("delimiter" not in s.query for s in proxy.listings() if "/05/0" in s.query["prefix"])
    assert len(day_level) == 2 * 2 * 2  # deployments x collections x days: one flat list each
    proxy.clear()
    assert rows(v2.search(query)) == first
    assert [s.query["prefix"] for s in proxy.listings() if "/2024/05/0" in s.query["prefix"]] == []
    assert proxy.downloads() == []


def test_second_lookup_reads_closed_days_from_the_mirror(
    proxy: Proxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    v2 = blob(proxy.endpoint, V2_CONTAINER, tmp_path, monkeypatch)
    started = time.perf_counter()
    first = rows(v2.find("v2-blue-2-14"))
    first_time = time.perf_counter() - started
    assert len(first) == 2
    assert proxy.downloads(), "the first lookup downloads"
    proxy.clear()
    started = time.perf_counter()
    again = rows(v2.find("v2-blue-2-14"))
    mirror_time = time.perf_counter() - started
    assert again == first
    assert proxy.downloads() == [], "closed days come from the mirror"
    day_level = [s.query["prefix"] for s in proxy.listings() if "/2024/05/0" in s.query["prefix"]]
    assert day_level == [], "closed days' listings come from the mirror"
    assert all(s.is_list for s in proxy.seen)
    print(f"find: first {first_time * 1000:.1f} ms, from the mirror {mirror_time * 1000:.1f} ms")

    root = v2.mirror.root
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    files = [p for p in root.rglob("*") if p.is_file()]
    assert files and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
    dirs = [p for p in root.rglob("*") if p.is_dir()]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in dirs)
    assert not [p for p in files if p.name.startswith(".part-")]
    for path in files:
        assert KEY.encode() not in path.read_bytes()
    state = next((root / "state").rglob("*.json"))
    assert set(json.loads(state.read_text())) == {"size", "etag"}
    listing = next((root / "listings").rglob("*.json"))
    assert all(len(entry) == 3 for entry in json.loads(listing.read_text()))  # name, size, etag


@pytest.fixture
def searched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The blobs whose mirror copies were searched whole (not read in indexed blocks)."""
    names: list[str] = []
    original = BlobLogStore.find_lines

    def spy(self: BlobLogStore, name: str, needle: bytes) -> list[RawLine]:
        names.append(re.sub(r"^.*/(churn|churn-ep)/", "", name))  # v1: version/designation/…
        return original(self, name, needle)

    monkeypatch.setattr(BlobLogStore, "find_lines", spy)
    return names


UNINDEXABLE = ["3/inputs/2024/05/02/broken.csv", "3/inputs/2024/05/02/data.csv"]
OUTPUTS_0501 = "3/predictions/2024/05/01/data.csv"


def test_repeated_lookups_read_the_index_not_the_copies(
    proxy: Proxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, searched: list[str]
) -> None:
    v1 = blob(proxy.endpoint, "modeldata", tmp_path, monkeypatch)
    cold = v1.find("v1-4-1-1")
    assert len(cold.rows) == 1 and cold.files_scanned > 8
    assert len(searched) == cold.files_scanned  # every inputs file, then one outputs file
    v1.indexer.wait()
    proxy.clear()
    searched.clear()
    warm = v1.find("v1-4-1-1")
    assert (warm.rows, warm.issues) == (cold.rows, cold.issues)  # file and line included
    assert searched == UNINDEXABLE, "the other days are read from the index's blocks"
    assert warm.files_scanned == 2 + len(UNINDEXABLE)  # the hit's inputs and outputs files
    assert proxy.downloads() == []
    assert [s for s in proxy.listings() if "/2024/05/0" in s.query.get("prefix", "")] == []

    # another day: its inputs are indexed; its outputs were never downloaded, so are
    # downloaded and searched now, and indexed for the next time
    searched.clear()
    other = v1.find("v1-3-0-2")
    assert [r.request_id for r in other.rows] == ["v1-3-0-2"] and other.rows[0].outputs
    assert sorted(searched) == [*UNINDEXABLE, OUTPUTS_0501]
    assert [s.path.split("/", 8)[-1] for s in proxy.downloads()] == [OUTPUTS_0501]
    v1.indexer.wait()
    proxy.clear()
    searched.clear()
    assert rows(v1.find("v1-3-0-2")) == rows(other)
    assert searched == UNINDEXABLE and proxy.downloads() == []

    # a day holding a file the index cannot take (a broken header) is searched each time
    broken = v1.find("v1-3-1-0")
    assert [r.request_id for r in broken.rows] == ["v1-3-1-0"]
    v1.indexer.wait()
    searched.clear()
    proxy.clear()
    assert rows(v1.find("v1-3-1-0")) == rows(broken)
    assert searched == UNINDEXABLE  # and the outputs from the index
    assert proxy.downloads() == []


def test_hours_are_indexed_as_they_come_into_the_mirror(
    proxy: Proxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, searched: list[str]
) -> None:
    v2 = blob(proxy.endpoint, V2_CONTAINER, tmp_path, monkeypatch)
    day = DAY + timedelta(days=1)
    morning = PredictionQuery(request_id="v2-green-1-8", start=day, end=day + timedelta(hours=9))
    first = rows(v2.search(morning))  # hour 08 of 05/02 only
    assert len(first) == 2
    assert len(searched) == 3  # both deployments' inputs, then green's outputs
    v2.indexer.wait()
    proxy.clear()
    searched.clear()
    assert rows(v2.search(morning)) == first
    assert searched == [] and proxy.downloads() == []

    assert rows(v2.find("v2-green-1-8")) == first  # every day: the other hours downloaded
    assert searched and not [name for name in searched if "/05/02/08/" in name]
    v2.indexer.wait()
    proxy.clear()
    searched.clear()
    assert rows(v2.find("v2-green-1-8")) == first
    assert searched == [] and proxy.downloads() == []
    assert [r.outputs for r in rows(v2.find("v2-blue-0-14"))] == [{"p": 0.25}, {"p": 0.75}]
    outputs = "blue/model_outputs/2024/05/01/14/instance-0.jsonl"  # not downloaded before
    assert searched == [outputs]
    assert [s.path.rsplit("/churn-ep/", 1)[1] for s in proxy.downloads()] == [outputs]
    # listed (with hour 08, a hit) but never downloaded, so not indexed: searched
    assert [r.outputs for r in rows(v2.find("v2-green-1-14"))] == [{"p": 0.25}, {"p": 0.75}]


def test_todays_blob_is_fetched_from_its_last_length(
    azurite: Endpoint, service: BlobServiceClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    container = service.create_container("today-logs")
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    folder = f"modelDataCollector/ep/blue/{{}}/{now:%Y/%m/%d/%H}/instance-0.jsonl"
    blobs = {
        c: container.get_blob_client(folder.format(c)) for c in ("model_inputs", "model_outputs")
    }

    def log(corr: str) -> None:
        for collection, data in (("model_inputs", [{"x": 1}]), ("model_outputs", [{"y": 2}])):
            record = v2_record(now, collection, data, corr=corr, request_id=corr)
            blobs[collection].append_block((json.dumps(record) + "\n").encode())

    for client in blobs.values():
        client.create_append_blob()
    log("call-00001")
    with Proxy(azurite.port) as watch:
        v2 = blob(watch.endpoint, "today-logs", tmp_path, monkeypatch)
        assert len(rows(v2.find("call-00001"))) == 1
        sizes = {c: b.get_blob_properties().size for c, b in blobs.items()}
        log("call-00002")
        watch.clear()
        [row] = rows(v2.find("call-00002"))
        assert row.inputs == {"x": 1} and row.outputs == {"y": 2}
        ranges = sorted(s.range or "" for s in watch.downloads())
        assert ranges == sorted(f"bytes={size}-{2 * size - 1}" for size in sizes.values())
        assert len(rows(v2.find("call-00001"))) == 1  # the copy holds old and new lines

        inputs = blobs["model_inputs"]
        last = inputs.download_blob().readall().splitlines(keepends=True)[-1]
        inputs.upload_blob(last, blob_type=BlobType.APPENDBLOB, overwrite=True)  # shrunk
        watch.clear()
        assert rows(v2.find("call-00001")) == []
        assert [s.range for s in watch.downloads()] == [f"bytes=0-{len(last) - 1}"]


# -- credentials ------------------------------------------------------------------------


def test_sas_token_from_the_environment(
    azurite: Endpoint, service: BlobServiceClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def sas(expiry: datetime) -> str:
        return generate_container_sas(
            ACCOUNT, "modeldata", KEY, permission=ContainerSasPermissions(read=True, list=True),
            expiry=expiry,
        )  # fmt: skip

    settings = {"account_url": azurite.account_url, "container": "modeldata", "sas_env": "MT_SAS"}
    context = ProviderContext("test", tmp_path)
    monkeypatch.setenv("MT_SAS", sas(datetime.now(UTC) + timedelta(hours=1)))
    provider = BlobPredictionsProvider.from_settings({**settings, "mirror_dir": "a"}, context)
    assert len(rows(provider.find("v1-4-3-2"))) == 1
    expired = sas(datetime.now(UTC) - timedelta(hours=1))
    monkeypatch.setenv("MT_SAS", expired)
    stale = BlobPredictionsProvider.from_settings({**settings, "mirror_dir": "b"}, context)
    with pytest.raises(Unauthorized, match="MT_SAS") as raised:
        stale.find("v1-4-3-2")
    assert expired not in str(raised.value) and "sig=" not in str(raised.value)
    monkeypatch.delenv("MT_SAS")
    unset = BlobPredictionsProvider.from_settings({**settings, "mirror_dir": "c"}, context)
    with pytest.raises(Unauthorized, match=r"MT_SAS .*not set"):
        unset.find("x")


def test_wrong_account_key_is_unauthorized(
    azurite: Endpoint, service: BlobServiceClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = KEY[:10] + ("A" if KEY[10] != "A" else "B") + KEY[11:]
    provider = blob(azurite, "modeldata", tmp_path, monkeypatch, key=wrong)
    with pytest.raises(Unauthorized, match="403") as raised:
        provider.find("v1-4-3-2")
    assert ENV in raised.value.hint
    assert wrong not in str(raised.value) + raised.value.hint


def test_sdk_logging_stays_off_the_terminal(
    azurite: Endpoint,
    service: BlobServiceClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """No SDK record reaches the root logger (a UI or log file might show it)."""
    reached: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: reached.append(record.name)  # type: ignore[method-assign]
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)  # setLevel, not the attribute: it clears the loggers' caches
    root.addHandler(handler)
    try:
        provider = blob(azurite, "modeldata", tmp_path, monkeypatch, key=KEY.replace("E", "F", 1))
        with pytest.raises(Unauthorized):
            provider.find("v1-4-3-2")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert [n for n in reached if n.split(".")[0] in ("azure", "urllib3")] == []
    assert capfd.readouterr() == ("", "")


def test_missing_azurite_fails_and_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(azurite_module, "AZURITE_BLOB", tmp_path / "absent")
    with (
        pytest.raises(pytest.fail.Exception, match="run `make test`"),
        azurite_module.running_azurite(tmp_path / "log"),
    ):
        pass


def test_connection_string_for_another_account_is_refused(
    azurite: Endpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = blob(azurite, "modeldata", tmp_path, monkeypatch, account_url="https://x.example")
    with pytest.raises(ConfigError, match=re.escape("not account_url https://x.example")) as raised:
        provider.find("x")
    assert KEY not in str(raised.value)


# -- errors ---------------------------------------------------------------------------


def test_missing_container_is_not_found(
    azurite: Endpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = blob(azurite, "no-such-container", tmp_path, monkeypatch)
    with pytest.raises(NotFound, match="no-such-container"):
        provider.find("x")
    with pytest.raises(NotFound, match="no-such-container"):
        list(provider.search(PredictionQuery()))


def test_blob_deleted_between_list_and_read(
    proxy: Proxy,
    service: BlobServiceClient,
    tree: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    upload(service, tree, {"modeldata": "deleted-midway", V2_CONTAINER: "unused-v2"})
    victim = "sub-1/rg-1/ws-1/churn-svc/churn/4/inputs/2024/05/03/data.csv"
    proxy.before_once(
        lambda seen: seen.is_download and seen.path.endswith(victim),
        lambda: service.get_blob_client("deleted-midway", victim).delete_blob(),
    )
    provider = blob(proxy.endpoint, "deleted-midway", tmp_path, monkeypatch, format="v1")
    pages = list(provider.search(PredictionQuery()))
    found = rows(iter(pages))
    assert len(found) == 2 * 4 * 3 + 1 - 3  # all but the 3 calls of the deleted blob
    problems = [i for p in pages for i in p.issues if victim in i.location]
    assert [i.message for i in problems] == ["cannot read: blob deleted since it was listed"]
    assert len(rows(provider.find("v1-3-3-0"))) == 1  # the rest keeps working


def test_container_deleted_mid_run(
    azurite: Endpoint,
    service: BlobServiceClient,
    tree: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    upload(service, tree, {"modeldata": "short-lived", V2_CONTAINER: "unused-v2b"})
    monkeypatch.setattr(paging, "PAGE_SIZE", 1)
    provider = blob(azurite, "short-lived", tmp_path, monkeypatch, format="v1")
    pages = provider.search(PredictionQuery())
    assert next(pages).rows
    service.delete_container("short-lived")
    with pytest.raises(NotFound, match="short-lived"):
        list(pages)


def test_throttling_is_retried_a_bounded_number_of_times(
    proxy: Proxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = blob(proxy.endpoint, "modeldata", tmp_path, monkeypatch)
    proxy.faults.append(Fault(503, 2, {"Retry-After": "0"}, lambda seen: seen.is_list))
    proxy.faults.append(Fault(429, 1, {"Retry-After": "1"}, lambda seen: seen.is_download))
    assert len(rows(provider.find("v1-3-0-0"))) == 1
    assert sum(s.is_list for s in proxy.seen) >= 3

    proxy.clear()
    proxy.faults.append(Fault(429, 100, {"Retry-After": "0"}))
    started = time.monotonic()
    with pytest.raises(Throttled, match="429") as raised:
        provider.find("v1-3-0-0")
    assert len(proxy.seen) == 1 + RETRIES
    assert time.monotonic() - started < 10
    assert raised.value.retry_after == 0


def test_refused_api_version_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_azurite(tmp_path / "strict.log", skip_api_version_check=False) as strict:
        BlobServiceClient.from_connection_string(
            strict.connection_string(), api_version="2025-01-05"
        ).create_container("modeldata")
        provider = blob(strict, "modeldata", tmp_path, monkeypatch)
        with pytest.raises(ConfigError, match=r"refuses API version \d{4}-\d\d-\d\d") as raised:
            provider.find("x")
        assert "api_version" in raised.value.hint
        pinned = blob(strict, "modeldata", tmp_path, monkeypatch, api_version="2025-01-05")
        assert pinned.find("x").rows == ()


def test_unlisted_blob_asks_the_service_only_when_its_day_is_open(
    proxy: Proxy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "modeldata/sub-1/rg-1/ws-1/churn-svc/churn/4/inputs/2024/05/04/data.csv"
    warm = blob(proxy.endpoint, "modeldata", tmp_path, monkeypatch)
    assert len(rows(warm.find("v1-4-3-0"))) == 1
    proxy.clear()
    cold = blob(proxy.endpoint, "modeldata", tmp_path, monkeypatch)  # same mirror, no listing
    with cold.store.open(name) as stream:
        assert b"v1-4-3-0" in stream.read()
    assert proxy.seen == []
    cold.store.mirror.forget(name)
    assert cold.store.first_line(name) is not None
    assert [s.method for s in proxy.seen] == ["HEAD", "GET"]


def test_blob_rewritten_between_list_and_read_is_read_again(
    proxy: Proxy,
    service: BlobServiceClient,
    tree: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    upload(service, tree, {"modeldata": "rewritten", V2_CONTAINER: "unused-v2c"})
    target = "sub-1/rg-1/ws-1/churn-svc/churn/3/predictions/2024/05/01/data.csv"
    rewritten = service.get_blob_client("rewritten", target)
    original = rewritten.download_blob().readall()
    proxy.before_once(
        lambda seen: seen.is_download and seen.path.endswith(target),
        lambda: rewritten.upload_blob(original.replace(b"\n0,", b"\n1,"), overwrite=True),
    )
    provider = blob(proxy.endpoint, "rewritten", tmp_path, monkeypatch, format="v1")
    [row] = rows(provider.find("v1-3-0-0"))
    assert row.outputs == {"churn": 1}  # the new content, not a mix
    assert [s.method for s in proxy.seen if target in s.path] == ["GET", "HEAD", "GET"]


def test_trace_command_gives_the_same_trail_as_the_tree_on_disk(
    azurite: Endpoint, service: BlobServiceClient, tree: Path, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.disk.predictions]\nprovider = "local-logs"\npath = "{tree}"\n\n'
        f'[profiles.cloud.predictions]\nprovider = "azure-blob"\n'
        f'account_url = "{azurite.account_url}"\ncontainer = "modeldata"\n'
        f'connection_string_env = "{ENV}"\nmirror_dir = "mirror"\n'
    )
    env = {**os.environ, ENV: azurite.connection_string()}
    modeltrail = Path(sys.executable).parent / "modeltrail"

    def trace(profile: str) -> str:
        args = [str(modeltrail), "trace", "v1-3-2-1", "--json", "--config", str(config)]
        done = subprocess.run(
            [*args, "--profile", profile],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert KEY not in done.stdout + done.stderr
        return done.stdout.replace("'cloud'", "'disk'")

    cloud = json.loads(trace("cloud").replace('"azure-blob"', '"local-logs"'))
    assert cloud == json.loads(trace("disk"))
    assert cloud["hops"][0]["status"] == "resolved"
    assert (tmp_path / "mirror").is_dir()
