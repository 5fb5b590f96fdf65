"""Hostile servers against the real HTTP clients, through the providers: every request has
a total deadline, an answer a size cap and a list a page cap; deep JSON, HTML listings and
absurd Retry-After values are clear errors of that request; credentials are not sent over
plain http:// except to loopback; quitting the console does not wait for a stuck read.

Every fault server listens on 127.0.0.1 only, and every test bounds its own time: the
servers stop trickling after ``TRICKLE_FOR`` seconds whatever the client does, and each
test asserts how long the client took.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from fake_azureml import self_signed_tls
from faultserver import Answer, FaultServer, reply, serving, trickle

from providers import http_bounds
from providers.azureml.provider import AzureMLProvider
from providers.blob.provider import BlobPredictionsProvider
from providers.devops.provider import AzureDevOpsProvider
from providers.errors import BadData, ConfigError, Throttled, Unavailable
from providers.mlflow.provider import MlflowModelsProvider
from providers.protocols import ProviderContext

DEADLINE = 1.0  # the timeout the profiles under test set
DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE = 300 * 1024 * 1024


def huge(server: list[FaultServer], *, declared: bool) -> Answer:
    """A 300 MB JSON string, with its Content-Length or chunked; counts what was sent."""
    block = b"x" * (1024 * 1024)

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        if declared:
            handler.send_header("Content-Length", str(HUGE + 2))
        else:
            handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunks = [b'"', *([block] * (HUGE // len(block))), b'"']
        for chunk in chunks:
            data = chunk if declared else b"%x\r\n%s\r\n" % (len(chunk), chunk)
            handler.wfile.write(data)
            server[0].sent += len(chunk)
        if not declared:
            handler.wfile.write(b"0\r\n\r\n")

    return answer


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """The block must finish within ``seconds`` of wall time."""
    started = time.monotonic()
    yield
    took = time.monotonic() - started
    assert took < seconds, f"took {took:.1f} s, more than {seconds} s"


# -- MLflow (httpx) -----------------------------------------------------------------------


def mlflow(url: str, tmp_path: Path, **settings: Any) -> MlflowModelsProvider:
    table = {"tracking_uri": url, "timeout": DEADLINE, "retries": 0, **settings}
    return MlflowModelsProvider.from_settings(table, ProviderContext("t", tmp_path))


def test_mlflow_trickling_answer_fails_at_the_deadline(tmp_path: Path) -> None:
    with serving(trickle(first=b'{"run": ')) as server:
        provider = mlflow(server.url, tmp_path)
        with within(DEADLINE + 1.5), pytest.raises(Unavailable) as exc:
            provider.get_run("r1")
    host = server.url.removeprefix("http://")
    assert f"{host} did not answer within 1s (1 attempts)" in str(exc.value)
    assert "not each read" in exc.value.hint


def test_mlflow_huge_answer_is_not_read_whole(tmp_path: Path) -> None:
    for declared in (True, False):
        box: list[FaultServer] = []
        with serving(huge(box, declared=declared)) as server:
            box.append(server)
            provider = mlflow(server.url, tmp_path, timeout=20)
            with within(10), pytest.raises(BadData, match="over 64 MiB; it was not read"):
                provider.get_run("r1")
        assert server.sent < HUGE // 2, (declared, server.sent)


def at_most(times: int, answer: Answer) -> Answer:
    """``answer`` ``times`` times, then 404 (so a client that never stops still ends)."""
    count = iter(range(10**9))

    def limited(handler: BaseHTTPRequestHandler) -> None:
        (answer if next(count) < times else reply(404, b"{}"))(handler)

    return limited


def test_mlflow_repeated_page_token_stops_the_list(tmp_path: Path) -> None:
    page = b'{"registered_models": [{"name": "m"}], "next_page_token": "again"}'
    with serving(at_most(20, reply(200, page))) as server:
        provider = mlflow(server.url, tmp_path)
        with within(5), pytest.raises(BadData, match="same page token twice"):
            provider.list_models()
    assert len(server.paths) == 2


def test_mlflow_endless_pages_stop_at_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http_bounds, "MAX_PAGES", 50)
    count = iter(range(10**6))

    def answer(handler: BaseHTTPRequestHandler) -> None:
        token = next(count)
        reply(200, b'{"registered_models": [], "next_page_token": "t%d"}' % token)(handler)

    with serving(at_most(60, answer)) as server:
        provider = mlflow(server.url, tmp_path)
        with within(10), pytest.raises(BadData, match="more than 50 pages"):
            provider.list_models()
    assert len(server.paths) == 50


def test_mlflow_deep_json_is_bad_data(tmp_path: Path) -> None:
    with serving(reply(200, DEEP)) as server:
        provider = mlflow(server.url, tmp_path)
        with within(5), pytest.raises(BadData, match="JSON nested too deeply"):
            provider.get_run("r1")


def test_mlflow_long_retry_after_is_reported_as_asked(tmp_path: Path) -> None:
    answer = reply(429, b"{}", {"Retry-After": "99999", "Content-Type": "application/json"})
    with serving(answer) as server:
        provider = mlflow(server.url, tmp_path, retries=2)
        with within(5), pytest.raises(Throttled) as exc:
            provider.get_run("r1")
    assert "it asks to wait 99999s, longer than the 10s we wait" in str(exc.value)
    assert exc.value.retry_after == 99999
    assert len(server.paths) == 1


# -- credentials over plain http:// --------------------------------------------------------


def open_provider(name: str, url: str, tmp_path: Path) -> object:
    """The provider ``name`` on ``url``, with a credential configured."""
    context = ProviderContext("prod", tmp_path)
    if name == "mlflow":
        return MlflowModelsProvider.from_settings({"tracking_uri": url, "token_env": "T"}, context)
    if name == "azureml":
        table = {"subscription_id": "s", "resource_group": "g", "workspace": "w"}
        return AzureMLProvider.from_settings({**table, "resource_manager_url": url}, context)
    if name == "azureml-tracking":
        table = {"subscription_id": "s", "resource_group": "g", "workspace": "w"}
        return AzureMLProvider.from_settings({**table, "tracking_uri": url}, context)
    if name == "azure-devops":
        table = {"organization_url": url, "project": "p"}
        return AzureDevOpsProvider.from_settings(table, context)

    table = {"account_url": url, "container": "modeldata", "sas_env": "MT_SAS"}
    return BlobPredictionsProvider.from_settings(table, context)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("mlflow", "tracking_uri"),
        ("azureml", "resource_manager_url"),
        ("azureml-tracking", "tracking_uri"),
        ("azure-devops", "organization_url"),
        ("azure-blob", "account_url"),
    ],
)
def test_credentials_are_not_sent_over_plain_http(name: str, key: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        open_provider(name, "http://models.example.com", tmp_path)
    assert f"{key} 'http://models.example.com' is plain http://" in str(exc.value)
    assert "would cross the network unencrypted" in str(exc.value)
    for loopback in ("http://127.0.0.1:5000", "http://[::1]:5000", "http://localhost:5000"):
        open_provider(name, loopback, tmp_path)
    open_provider(name, "https://models.example.com", tmp_path)


# -- Blob (azure-storage-blob on azure-core and requests) ---------------------------------

ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
LISTING = (
    b'<?xml version="1.0" encoding="utf-8"?><EnumerationResults ContainerName="modeldata">'
    b"<Blobs><Blob><Name>a/b.csv</Name><Properties><Content-Length>100</Content-Length>"
    b"<Etag>0x1</Etag><BlobType>BlockBlob</BlobType></Properties></Blob></Blobs>"
    b"<NextMarker /></EnumerationResults>"
)


def blob(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> BlobPredictionsProvider:
    account = f"{url}/{ACCOUNT}"
    monkeypatch.setenv(
        "MT_HOSTILE_BLOB",
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
        f"BlobEndpoint={account};",
    )
    table = {
        "account_url": account,
        "container": "modeldata",
        "connection_string_env": "MT_HOSTILE_BLOB",
        "timeout": DEADLINE,
    }
    return BlobPredictionsProvider.from_settings(table, ProviderContext("t", tmp_path))


def test_blob_trickling_listing_fails_at_the_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = trickle({"Content-Type": "application/xml"}, first=LISTING[:60])
    with serving(answer) as server:
        provider = blob(server.url, tmp_path, monkeypatch)
        with within(DEADLINE + 1.5), pytest.raises(Unavailable) as exc:
            list(provider.store.list("modeldata"))
    host = server.url.removeprefix("http://")
    assert f"{host} sent no answer in full within 1s" in str(exc.value)


def test_blob_trickling_download_fails_at_the_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        if "comp=list" in handler.path:
            reply(200, LISTING, {"Content-Type": "application/xml"})(handler)
        else:
            ranged = {"Content-Range": "bytes 0-99/100", "ETag": "0x1"}
            trickle({"Content-Type": "application/octet-stream", **ranged})(handler)

    with serving(answer) as server:
        provider = blob(server.url, tmp_path, monkeypatch)
        assert [f.name for f in provider.store.list("modeldata")] == ["modeldata/a/b.csv"]
        with within(DEADLINE + 1.5), pytest.raises(Unavailable, match="sent no answer in full"):
            provider.store.open("modeldata/a/b.csv")


def test_blob_huge_listing_is_not_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for declared in (True, False):
        box: list[FaultServer] = []
        with serving(huge(box, declared=declared)) as server:
            box.append(server)
            provider = blob(server.url, tmp_path, monkeypatch)
            with within(10), pytest.raises(BadData, match="over 64 MiB; it was not read"):
                list(provider.store.list("modeldata"))
        assert server.sent < HUGE // 2, (declared, server.sent)


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>Sign in to continue</body></html>",
        b'{"value": [{"name": "a"}]}',
        b'<?xml version="1.0"?><Something><Else/></Something>',
    ],
)
def test_blob_listing_that_is_not_a_listing_is_bad_data(
    body: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving(reply(200, body, {"Content-Type": "text/html"})) as server:
        provider = blob(server.url, tmp_path, monkeypatch)
        with within(5), pytest.raises(BadData, match="is not a blob listing"):
            list(provider.store.list("modeldata"))
        with pytest.raises(BadData, match="is not a blob listing"):
            provider.store.list_dirs("modeldata")


def test_blob_long_retry_after_is_reported_as_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving(reply(503, b"", {"Retry-After": "99999"})) as server:
        provider = blob(server.url, tmp_path, monkeypatch)
        with within(5), pytest.raises(Throttled) as exc:
            list(provider.store.list("modeldata"))
    assert "it asks to wait 99999s, longer than the 5s we wait" in str(exc.value)
    assert exc.value.retry_after == 99999
    assert len(server.paths) == 1


# -- Azure DevOps (azure-devops SDK on msrest and requests) -------------------------------


def devops(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, timeout: float = DEADLINE
) -> AzureDevOpsProvider:
    monkeypatch.setenv("MT_HOSTILE_PAT", "hostile-pat")
    table = {
        "organization_url": f"{url}/org",
        "project": "p",
        "pat_env": "MT_HOSTILE_PAT",
        "timeout": timeout,
        "retries": 0,
    }
    return AzureDevOpsProvider.from_settings(table, ProviderContext("t", tmp_path))


def test_devops_trickling_answer_fails_at_the_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serving(trickle(first=b'{"count": 1, "value": [')) as server:
        provider = devops(server.url, tmp_path, monkeypatch)
        with within(DEADLINE + 1.5), pytest.raises(Unavailable) as exc:
            provider.list_releases()
    assert "Azure DevOps did not answer within 1 s reading" in str(exc.value)
    assert "not each read" in exc.value.hint


def test_devops_huge_answer_is_not_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for declared in (True, False):
        box: list[FaultServer] = []
        with serving(huge(box, declared=declared)) as server:
            box.append(server)
            # reading 256 MiB takes seconds on a loaded machine: the cap is under test here,
            # not the deadline
            provider = devops(server.url, tmp_path, monkeypatch, timeout=30)
            with within(40), pytest.raises(BadData, match="over 256 MiB; it was not read"):
                provider.list_releases()
        assert server.sent < HUGE, (declared, server.sent)


def test_devops_deep_json_is_bad_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with serving(reply(200, DEEP)) as server:
        provider = devops(server.url, tmp_path, monkeypatch)
        with within(5), pytest.raises(BadData, match="JSON nested too deeply"):
            provider.list_releases()


# -- Azure ML (azure-ai-ml on azure-core and requests) -------------------------------------


def azureml(answer: Answer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A provider on a fault server over HTTPS, and the server (a context manager).

    The SDK is imported here, so the tests time the answer, not azure.ai.ml's import (which
    takes seconds on a loaded machine)."""
    importlib.import_module("azure.ai.ml")
    context, cert = self_signed_tls(tmp_path)
    server = FaultServer(answer).with_tls(context)
    monkeypatch.setenv("MT_HOSTILE_AZ_TOKEN", "hostile-token")
    monkeypatch.setenv("AZUREML_CURRENT_CLOUD", "AzureCloud")
    table = {
        "subscription_id": "s",
        "resource_group": "g",
        "workspace": "w",
        "credential": "env-token",
        "token_env": "MT_HOSTILE_AZ_TOKEN",
        "resource_manager_url": server.url,
        "ca_bundle": str(cert),
        "timeout": DEADLINE,
        "retries": 0,
    }
    return AzureMLProvider.from_settings(table, ProviderContext("t", tmp_path)), server


def test_azureml_trickling_answer_fails_at_the_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider, server = azureml(trickle(first=b'{"value": ['), tmp_path, monkeypatch)
    with server, within(DEADLINE + 4), pytest.raises(Unavailable, match="sent no answer in full"):
        provider.list_endpoints()


def test_azureml_deep_json_is_bad_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    provider, server = azureml(reply(200, DEEP), tmp_path, monkeypatch)
    with server, within(DEADLINE + 4), pytest.raises(BadData, match="JSON nested too deeply"):
        provider.list_endpoints()
