"""Training-data folders read-only, from a local folder and from a real Azurite: files with
size, md5 and last-modified, the manifest hash, missing and empty folders, immutability as
far as the store states it.  Azurite implements no legal hold nor immutability policy (its
answer to both is 'not implemented'): its own answers test 'none stated', and answers given
the REST API's immutability fields by a proxy test the rest, through the real SDK."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from azure.core.exceptions import HttpResponseError
from azure.storage.blob import BlobServiceClient, ContainerClient
from azurite import Endpoint, Proxy, azurite

from providers.datafolders.blob import BlobDataProvider
from providers.datafolders.local import LocalDataProvider
from providers.datafolders.manifest import manifest_hash
from providers.errors import BadData, ConfigError, NotFound
from providers.protocols import ProviderContext
from providers.records import DataFile

__all__ = ["azurite"]  # the fixture, used by name
pytestmark = pytest.mark.timeout(120)
ENV = "MODELTRAIL_TEST_DATA_CONNECTION"
FILES = {"part-0000.csv": b"a,b\n1,2\n", "sub/part-0001.csv": b"a,b\n3,4\n5,6\n"}
LANDED = datetime(2026, 8, 1, 3, 0, tzinfo=UTC)


def md5(data: bytes) -> str:
    return "md5:" + hashlib.md5(data, usedforsecurity=False).hexdigest()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for name, data in FILES.items():
        path = tmp_path / "snap/2026-08" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (LANDED.timestamp(), LANDED.timestamp()))
    (tmp_path / "empty").mkdir()
    return tmp_path


def local(root: Path) -> LocalDataProvider:
    return LocalDataProvider.from_settings({"path": "."}, ProviderContext("t", root))


def test_local_folder_lists_files_with_size_md5_and_time(root: Path) -> None:
    folder = local(root).list_folder("snap/2026-08")
    assert folder.exists
    assert [(f.path, f.size, f.content_hash, f.modified_at) for f in folder.files] == [
        (name, len(data), md5(data), LANDED) for name, data in FILES.items()
    ]
    assert folder.immutable is False
    assert "local folder has no immutability" in folder.immutability


def test_manifest_hash_is_over_the_sorted_manifest_and_ignores_times(root: Path) -> None:
    files = local(root).list_folder("snap/2026-08").files
    lines = "".join(f"{n}\t{len(d)}\t{md5(d)}\n" for n, d in sorted(FILES.items()))
    expected = "sha256:" + hashlib.sha256(lines.encode()).hexdigest()
    assert manifest_hash(files) == manifest_hash(reversed(files)) == expected
    later = [DataFile(f.path, f.size, f.content_hash, datetime.now(UTC)) for f in files]
    assert manifest_hash(later) == expected
    changed = [files[0], DataFile(files[1].path, files[1].size, md5(b"other"), None)]
    assert manifest_hash(changed) != expected


def test_local_missing_empty_and_escaping_folders(root: Path, tmp_path: Path) -> None:
    provider = local(root)
    missing = provider.list_folder("snap/2026-09")
    assert (missing.exists, missing.files) == (False, ())
    empty = provider.list_folder("empty")
    assert (empty.exists, empty.files) == (True, ())
    for bad in ("../outside", "/etc", ""):
        with pytest.raises(BadData, match="not a folder under the root"):
            provider.list_folder(bad)
    (root / "snap/2026-08/link.csv").symlink_to(tmp_path / "snap/2026-08/part-0000.csv")
    assert "link.csv" not in [f.path for f in provider.list_folder("snap/2026-08").files]
    with pytest.raises(NotFound):
        provider.local_path("snap/2026-08", "link.csv")


def test_local_head_is_bounded(root: Path) -> None:
    head = b"".join(local(root).read_head("snap/2026-08", "sub/part-0001.csv", 5))
    assert head == FILES["sub/part-0001.csv"][:5]


# -- Azurite ---------------------------------------------------------------------------


@pytest.fixture
def container(azurite: Endpoint, request: pytest.FixtureRequest) -> Iterator[ContainerClient]:
    name = "training-" + hashlib.md5(request.node.name.encode()).hexdigest()[:8]
    client = BlobServiceClient.from_connection_string(azurite.connection_string())
    made = client.create_container(name)
    yield made
    made.delete_container()


def blob_provider(
    azurite: Endpoint, container: ContainerClient, monkeypatch: pytest.MonkeyPatch, **more: object
) -> BlobDataProvider:
    monkeypatch.setenv(ENV, azurite.connection_string())
    settings = {
        "account_url": azurite.account_url,
        "container": container.container_name,
        "connection_string_env": ENV,
        **more,
    }
    return BlobDataProvider.from_settings(settings, ProviderContext("t", Path()))


def test_blob_folder_lists_content_md5_and_says_what_has_none(
    azurite: Endpoint, container: ContainerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, data in FILES.items():
        container.upload_blob(f"data/snap/2026-08/{name}", data)
    blocks = BlobServiceClient.from_connection_string(
        azurite.connection_string(), max_single_put_size=1024, max_block_size=1024
    )
    big = blocks.get_blob_client(container.container_name, "data/snap/2026-08/big.bin")
    big.upload_blob(b"z" * 4096)  # in blocks: the store keeps no Content-MD5
    container.upload_blob("data/snap/2026-080/other.csv", b"x\n")  # a sibling, not inside
    provider = blob_provider(azurite, container, monkeypatch, prefix="data")
    folder = provider.list_folder("snap/2026-08")
    assert folder.exists
    by_path = {f.path: f for f in folder.files}
    assert sorted(by_path) == ["big.bin", "part-0000.csv", "sub/part-0001.csv"]
    for name, data in FILES.items():
        assert (by_path[name].size, by_path[name].content_hash) == (len(data), md5(data))
        assert by_path[name].modified_at is not None
    assert (by_path["big.bin"].size, by_path["big.bin"].content_hash) == (4096, None)
    assert folder.hash_origin == "Content-MD5 kept by the store"
    assert b"".join(provider.read_head("snap/2026-08", "sub/part-0001.csv", 6)) == b"a,b\n3,"
    provider.close()


def test_blob_immutability_none_stated_on_azurite_which_implements_neither(
    azurite: Endpoint, container: ContainerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    blob = container.upload_blob("snap/a.csv", b"a\n1\n")
    with pytest.raises(HttpResponseError, match="not implemented"):
        blob.set_legal_hold(True)  # Azurite: legal hold and immutability policies absent
    folder = blob_provider(azurite, container, monkeypatch).list_folder("snap")
    assert folder.immutable is False
    assert folder.immutability.startswith("none stated by the container")
    assert folder.files[0].immutability == ""


def test_blob_missing_folder_and_settings(
    azurite: Endpoint, container: ContainerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = blob_provider(azurite, container, monkeypatch)
    assert provider.list_folder("nowhere").exists is False
    with pytest.raises(BadData):
        provider.list_folder("../x")
    with pytest.raises(ConfigError, match="format"):
        blob_provider(azurite, container, monkeypatch, format="v2")


def test_blob_hash_missing_md5s_the_blobs_the_store_keeps_none_for(
    azurite: Endpoint, container: ContainerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = BlobServiceClient.from_connection_string(
        azurite.connection_string(), max_single_put_size=1024, max_block_size=1024
    )
    data = bytes(range(256)) * 40  # 10,240 bytes in 10 blocks: no Content-MD5
    blocks.get_blob_client(container.container_name, "snap/big.bin").upload_blob(data)
    container.upload_blob("snap/small.csv", b"a\n1\n")
    plain = blob_provider(azurite, container, monkeypatch).list_folder("snap")
    assert [f.content_hash for f in plain.files] == [None, md5(b"a\n1\n")]
    hashed = blob_provider(azurite, container, monkeypatch, hash_missing=True)
    folder = hashed.list_folder("snap")
    assert [f.content_hash for f in folder.files] == [md5(data), md5(b"a\n1\n")]
    assert folder.hash_origin.endswith("md5 computed here for 1 blob(s) without one")
    with pytest.raises(ConfigError, match="hash_missing"):
        blob_provider(azurite, container, monkeypatch, hash_missing="yes")


POLICY = (
    b"<ImmutabilityPolicyUntilDate>Fri, 01 Jan 2027 00:00:00 GMT</ImmutabilityPolicyUntilDate>"
    b"<ImmutabilityPolicyMode>locked</ImmutabilityPolicyMode><LegalHold>true</LegalHold>"
)


def with_policy(body: bytes, headers: list[tuple[str, str]]) -> tuple[bytes, list[tuple[str, str]]]:
    """A List Blobs answer whose blobs carry the REST API's immutability elements."""
    return body.replace(b"<Properties>", b"<Properties>" + POLICY), headers


def with_container_policy(
    body: bytes, headers: list[tuple[str, str]]
) -> tuple[bytes, list[tuple[str, str]]]:
    """A Get Container Properties answer with the REST API's immutability headers."""
    flags = ("x-ms-has-immutability-policy", "x-ms-has-legal-hold")
    kept = [(name, value) for name, value in headers if name.lower() not in flags]
    return body, [*kept, *((name, "true") for name in flags)]


def test_blob_immutability_as_the_rest_api_states_it(
    azurite: Endpoint, container: ContainerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Azurite states none, so its answers are given the fields the REST API documents
    (List Blobs' ImmutabilityPolicyUntilDate/Mode and LegalHold; the container's
    x-ms-has-immutability-policy and x-ms-has-legal-hold), read by the real SDK."""
    container.upload_blob("snap/a.csv", b"a\n1\n")
    with Proxy(azurite.port) as proxy:
        proxy.rewrites.append((lambda seen: seen.is_list, with_policy))
        provider = blob_provider(proxy.endpoint, container, monkeypatch)
        blobs = provider.list_folder("snap")
        assert (
            blobs.files[0].immutability
            == "retained until 2027-01-01 00:00 UTC (locked), legal hold"
        )
        assert blobs.immutable  # every blob is
        assert blobs.immutability.startswith("none stated by the container")
        proxy.rewrites[:] = [
            (lambda seen: seen.query == {"restype": "container"}, with_container_policy)
        ]
        folder = blob_provider(proxy.endpoint, container, monkeypatch).list_folder("snap")
        assert folder.immutability == (
            "container has a time-based retention policy; container has a legal hold"
        )
        assert folder.immutable and folder.files[0].immutability == ""
