"""Blob names with '..' or '.' segments, an empty one or a leading '/' (Azure turns '\\' into
'/', and Azurite, like the service, stores them as sent): each such blob, or the folder
name holding it, is a reported, skipped item; every other blob is still listed, mirrored,
searched and indexed, and nothing is written outside the mirror.  Against a real Azurite."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from azure.storage.blob import BlobServiceClient, ContainerSasPermissions, generate_container_sas
from azurite import ACCOUNT, KEY, Endpoint, azurite
from logtree import V1Tree, V2Tree
from timebox import bounded

from providers.blob.provider import BlobPredictionsProvider
from providers.local.predictions import LocalPredictionsProvider
from providers.protocols import PredictionPage, ProviderContext
from providers.query import PredictionQuery, parse_query
from providers.records import DataIssue

__all__ = ["azurite"]  # the fixture, used by name

DAY = datetime(2024, 5, 1, tzinfo=UTC)  # long closed
V2_CONTAINER = "azureml-blobstore-odd"
ENV = "MODELTRAIL_TEST_ODD_BLOBS"
V1_DAY = "sub-1/rg-1/ws-1/churn-svc/churn/3/inputs/2024/05"
V2_HOUR = "modelDataCollector/churn-ep/blue/model_inputs/2024/05/01"
SAFE_PATH = "not a safe file path"

# blob name -> (the reported location below the container, the end of the message)
ODD = {
    "modeldata": {
        f"{V1_DAY}/01/../evil.csv": (f"{V1_DAY}/01/../evil.csv", "file skipped"),
        f"{V1_DAY}/02/./dot.csv": (f"{V1_DAY}/02/./dot.csv", "file skipped"),
        f"{V1_DAY}/01//double.csv": (f"{V1_DAY}/01//double.csv", "file skipped"),
        f"/{V1_DAY}/01/lead.csv": ("/", "skipped with everything below it"),
        "sub-1/rg-1/ws-1/churn-svc/churn/../inputs/2024/05/01/data.csv": (
            "sub-1/rg-1/ws-1/churn-svc/churn/../",
            "skipped with everything below it",
        ),
        "../../../../../escape.csv": ("../", "skipped with everything below it"),
    },
    V2_CONTAINER: {
        f"{V2_HOUR}/08/../instance-9.jsonl": (
            f"{V2_HOUR}/08/../instance-9.jsonl",
            "file skipped",
        ),
        "modelDataCollector/churn-ep/./model_inputs/2024/05/01/08/instance-0.jsonl": (
            "modelDataCollector/churn-ep/./",
            "skipped with everything below it",
        ),
    },
}


def put_raw(endpoint: Endpoint, container: str, name: str, body: bytes) -> None:
    """Store a blob under exactly ``name``: the SDK would resolve '.' and '..' in the URL,
    so the name goes percent-encoded, as a client that does not resolve them sends it."""
    sas = generate_container_sas(
        ACCOUNT,
        container,
        account_key=KEY,
        permission=ContainerSasPermissions(write=True, create=True),
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    connection = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=10)
    try:
        path = f"/{ACCOUNT}/{container}/{quote(name, safe='').replace('.', '%2E')}?{sas}"
        connection.request("PUT", path, body=body, headers={"x-ms-blob-type": "BlockBlob"})
        answer = connection.getresponse()
        answer.read()
    finally:
        connection.close()
    assert answer.status == 201, answer.status


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """v1 logs of three days and v2 logs of two hours; their correlation ids."""
    root = tmp_path_factory.mktemp("account")
    v1, v2 = V1Tree(root), V2Tree(root, prefix=f"{V2_CONTAINER}/modelDataCollector")
    ids = [v1.add(DAY + timedelta(days=d, hours=9), {"n": d}, {"s": d}) for d in range(3)]
    ids += [v2.add(DAY + timedelta(hours=h), [{"n": h}], [{"s": h}]) for h in (8, 9)]
    v1.write()
    v2.write()
    return root, ids


@pytest.fixture(scope="module")
def service(azurite: Endpoint, tree: tuple[Path, list[str]]) -> BlobServiceClient:
    """Azurite holding the tree, and beside it blobs with odd names, each a valid log file
    copied from the tree, its ids prefixed with ``odd-`` (they must never be found)."""
    root, ids = tree
    client = BlobServiceClient.from_connection_string(azurite.connection_string())
    for container in ODD:
        client.create_container(container)
        for path in sorted(p for p in (root / container).rglob("*") if p.is_file()):
            name = path.relative_to(root / container).as_posix()
            client.get_blob_client(container, name).upload_blob(path.read_bytes())
    v1_file = (root / "modeldata" / V1_DAY / "01/data.csv").read_bytes()
    v2_file = (root / V2_CONTAINER / V2_HOUR / "08/instance-0.jsonl").read_bytes()
    for wanted in ids:
        v1_file = v1_file.replace(wanted.encode(), f"odd-{wanted}".encode())
        v2_file = v2_file.replace(wanted.encode(), f"odd-{wanted}".encode())
    for container, odd in ODD.items():
        for name in odd:
            put_raw(azurite, container, name, v1_file if container == "modeldata" else v2_file)
        listed = {b.name for b in client.get_container_client(container).list_blobs()}
        assert set(odd) <= listed  # stored under exactly these names
    return client


def provider(
    endpoint: Endpoint, container: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> BlobPredictionsProvider:
    monkeypatch.setenv(ENV, endpoint.connection_string())
    settings = {
        "account_url": endpoint.account_url,
        "container": container,
        "connection_string_env": ENV,
        "mirror_dir": "mirror",
        "format": "v1" if container == "modeldata" else "v2",
    }
    return BlobPredictionsProvider.from_settings(settings, ProviderContext("test", tmp_path))


def collect(pages: Iterator[PredictionPage], log_format: str) -> tuple[list[str], set[DataIssue]]:
    """The correlation ids of the rows of one format, and the issues."""
    listed = list(pages)
    ids = sorted(r.correlation_id for p in listed for r in p.rows if r.log_format == log_format)
    return ids, {i for p in listed for i in p.issues}


@pytest.mark.parametrize("container", list(ODD))
def test_odd_blob_names_are_reported_and_skipped(
    azurite: Endpoint,
    service: BlobServiceClient,
    tree: tuple[Path, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    container: str,
) -> None:
    root, ids = tree
    odd = {DataIssue(f"{container}/{where}", end) for where, end in ODD[container].values()}
    log_format = "v1" if container == "modeldata" else "v2"
    local = LocalPredictionsProvider(root, index_base=tmp_path / "local-index")
    expected, clean = collect(local.search(PredictionQuery()), log_format)
    assert len(expected) == (3 if log_format == "v1" else 2) and clean == set()
    p = provider(azurite, container, tmp_path, monkeypatch)
    for query in (PredictionQuery(), parse_query("n>=0")):  # in Python, and in DuckDB
        found, issues = bounded(120, lambda: collect(p.search(query), log_format))  # noqa: B023
        assert found == expected
        assert {(i.location, i.message.rsplit("; ", 1)[1]) for i in issues} == {
            (i.location, i.message) for i in odd
        }
        assert all(SAFE_PATH in i.message for i in issues)
    for attempt in range(2):  # scanning, then from the index
        for wanted in ids:
            page = bounded(120, lambda: p.find(wanted))  # noqa: B023
            expected_rows = [wanted] if wanted in expected else []
            assert [r.correlation_id for r in page.rows] == expected_rows, attempt
            assert {i.location for i in page.issues} <= {i.location for i in odd}
        p.indexer.wait()
    for wanted in ids:
        assert p.find(f"odd-{wanted}").rows == ()
    assert p.indexer.index.off is None
    written = {f.relative_to(tmp_path).parts[0] for f in tmp_path.rglob("*")}
    assert "mirror" in written  # and nothing outside the mirror:
    assert written <= {"mirror", "local-index"}


def test_a_mirror_that_cannot_be_written_is_reported_per_blob(
    azurite: Endpoint,
    service: BlobServiceClient,
    tree: tuple[Path, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The mirror folder is a file: a search and a lookup say, for each blob, why it could
    not be read, and the id index turns itself off (once said); nothing crashes."""
    _, ids = tree
    (tmp_path / "mirror").write_text("a file where the mirror folder should be")
    p = provider(azurite, "modeldata", tmp_path, monkeypatch)
    mirror = str(p.mirror.root)
    pages = bounded(120, lambda: list(p.search(PredictionQuery())))
    issues = {i for page in pages for i in page.issues}
    unreadable = {i for i in issues if i.message == f"cannot read: Not a directory: {mirror}"}
    assert len(unreadable) == 3 and not any(page.rows for page in pages)  # one a day
    page = bounded(120, lambda: p.find(ids[0]))
    assert page.rows == ()
    [notice] = [i for i in page.issues if "id index" in i.message]
    assert notice.message.startswith("the id index is off for this session (Not a directory")
    again = bounded(120, lambda: p.find(ids[0]))
    assert not [i for i in again.issues if "id index" in i.message]
