"""Servers that echo our credentials back: the echo never survives, anywhere.

Each provider is driven through the real client (httpx, the azure-devops SDK, azure-ai-ml,
azure-storage-blob) against a server on 127.0.0.1 that quotes the credential it received
in its error body and headers — as it is, URL-encoded and base64-encoded.  The token must
be missing from every error message, the trace the CLI prints (text and JSON), the hop
reasons, the case file and every export; the replacement text must be there, so a test
that never saw the echo cannot pass.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fake_azureml import (
    fake_workspace_server,
    self_signed_tls,
    workspace_settings,
)
from fake_devops import FakeDevOps
from fake_mlflow import FakeServer, MlflowStore, Reply, make_runs_realistic

from cache.open import open_cached
from providers.config import load_config
from providers.devops.provider import AzureDevOpsProvider
from providers.errors import ProviderError
from providers.protocols import ProviderContext
from providers.redaction import SECRET, redact, remember_secret
from providers.trail.resolver import TrailResolver
from tui.cases.case_folder import CaseStore
from tui.cases.model import Case
from tui.cases.recorder import CaseRecorder
from tui.demo.workspace import DemoCase

TOKEN = "echoed-t0ken-9f8e7d6c5b4a3210"
SAS = "sv=2024-08-04&sr=c&sp=rl&se=2030-01-01T00%3A00%3A00Z&sig=S1gnatureB4se64Value%2Bx%3D"


def forms(secret: str) -> list[str]:
    """The shapes a secret travels in: as is, URL-encoded, base64 with and without a user."""
    return [
        secret,
        quote(secret, safe=""),
        base64.b64encode(secret.encode()).decode(),
        base64.b64encode(f":{secret}".encode()).decode(),
    ]


def echo_text(secret: str) -> str:
    """What an echoing server says: the secret in every form, and as a bearer header."""
    return f"invalid access token {' / '.join(forms(secret))} (Authorization: Bearer {secret})"


def assert_clean(text: str, secret: str = TOKEN) -> None:
    leaked = [form for form in forms(secret) if form in text]
    assert not leaked, f"{leaked} in {text[:2000]}"


# --- the one step --------------------------------------------------------------------


def test_a_remembered_secret_is_removed_in_every_encoding() -> None:
    remember_secret(TOKEN)
    text = redact(echo_text(TOKEN))
    assert_clean(text)
    assert text.count(SECRET) >= len(forms(TOKEN))


def test_the_secret_parts_of_a_sas_token_are_remembered() -> None:
    remember_secret(SAS)
    signature = "S1gnatureB4se64Value%2Bx%3D"
    text = redact(f"AuthenticationFailed: signature {signature} did not match; se=2030-01-01")
    assert signature not in text and SECRET in text
    assert "2030-01-01" in text  # only the secret parts, not every value of the token


# --- MLflow, through the whole trail: CLI, hop reasons, case file, exports -------------


@pytest.fixture
def echoing_mlflow(demo: tuple[Path, DemoCase], tmp_path: Path) -> Iterator[FakeServer]:
    docs = tmp_path / "docs"
    shutil.copytree(demo[0] / "docs", docs)
    make_runs_realistic(docs)
    body = {"error_code": "UNAUTHENTICATED", "message": echo_text(TOKEN)}
    reply = Reply(401, body, {"WWW-Authenticate": f'Bearer error="invalid_token" token="{TOKEN}"'})
    with FakeServer(MlflowStore(docs)) as server:
        server.fail("model-versions/get", *([reply] * 20))
        yield server


@pytest.fixture
def config(
    demo: tuple[Path, DemoCase],
    echoing_mlflow: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    monkeypatch.setenv("MT_ECHO_TOKEN", TOKEN)
    path = tmp_path / "config.toml"
    path.write_text(
        "[profiles.echo]\n"
        f"workspace = {json.dumps(str(demo[0]))}\n"
        "[profiles.echo.models]\n"
        'provider = "mlflow"\n'
        f'tracking_uri = "{echoing_mlflow.url}"\n'
        'token_env = "MT_ECHO_TOKEN"\n'
        "retries = 0\n"
    )
    return path


def test_the_trace_command_never_prints_the_echo(demo: tuple[Path, DemoCase], config: Path) -> None:
    binary = Path(sys.executable).parent / "modeltrail"
    for extra in ([], ["--json"]):
        result = subprocess.run(
            [str(binary), "trace", demo[1].request_id, "--config", str(config), *extra],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            env=dict(os.environ),
        )
        assert result.returncode == 0, result.stderr
        assert_clean(result.stdout + result.stderr)
        assert SECRET in result.stdout


def test_hop_reasons_the_case_file_and_exports_never_hold_the_echo(
    demo: tuple[Path, DemoCase], config: Path, tmp_path: Path
) -> None:
    profile = load_config(config).profile("echo")
    backends, _cache = open_cached(profile, {}, offline=False, warn=lambda _text: None)
    try:
        trail = TrailResolver(backends).trace(demo[1].request_id)
    finally:
        backends.close()
    reasons = " | ".join(hop.reason for hop in trail.hops)
    assert SECRET in reasons
    assert_clean(reasons)

    store = CaseStore(tmp_path / "cases")
    recorder = CaseRecorder(store, Case.new("echo", question="why?", profile="echo"))
    store.create(recorder.case)
    recorder.record_trail(trail)
    recorder.add_note(f"the server said {echo_text(TOKEN)}")
    written = store.path("echo").read_text(encoding="utf-8")
    assert SECRET in written
    assert_clean(written)
    for fmt in ("md", "html", "json"):
        exported = recorder.export(fmt, "tester")
        assert_clean(exported.read_text(encoding="utf-8"))


# --- Azure DevOps (azure-devops SDK, PAT as Basic auth) ---------------------------------


def test_devops_errors_never_hold_an_echoed_pat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pat = "devops-pat-echo-0123456789abcdef"
    monkeypatch.setenv("MT_ECHO_PAT", pat)
    with FakeDevOps(pat=pat) as fake:
        fake.fail("/releases/7", 400, times=5, message=echo_text(pat))
        provider = AzureDevOpsProvider.from_settings(
            {
                "organization_url": fake.base_url,
                "project": fake.project,
                "repository": fake.repository,
                "pat_env": "MT_ECHO_PAT",
            },
            ProviderContext("t", tmp_path),
        )
        with pytest.raises(ProviderError) as raised:
            provider.get_release(7)
    text = f"{raised.value} {raised.value.hint}"
    assert SECRET in text
    assert_clean(text, pat)


# --- Azure ML (azure-ai-ml, a bearer token) ---------------------------------------------


def test_azureml_errors_never_hold_an_echoed_token(
    demo: tuple[Path, DemoCase], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from providers.azureml.provider import AzureMLProvider

    token = "azureml-access-token-0123456789"
    monkeypatch.setenv("MT_ECHO_AZURE_TOKEN", token)
    # MLClient sets this process-wide; monkeypatch restores its absence afterwards.
    monkeypatch.setenv("AZUREML_CURRENT_CLOUD", "AzureCloud")
    docs = tmp_path / "docs"
    shutil.copytree(demo[0] / "docs", docs)
    make_runs_realistic(docs)
    (tmp_path / "tls").mkdir()
    tls, cert = self_signed_tls(tmp_path / "tls")
    echoed = {"error": {"code": "InvalidAuthenticationToken", "message": echo_text(token)}}
    with fake_workspace_server(docs, tls) as server:
        server.fail("/models/", *([Reply(400, echoed)] * 5))
        provider = AzureMLProvider.from_settings(
            workspace_settings(server.url, cert, "MT_ECHO_AZURE_TOKEN"),
            ProviderContext("t", tmp_path),
        )
        with pytest.raises(ProviderError) as raised:
            provider.get_version("mortgage", "4")
    text = f"{raised.value} {raised.value.hint}"
    assert SECRET in text
    assert_clean(text, token)


# --- Azure Blob Storage (SAS in the URL) -----------------------------------------------


def test_blob_errors_never_hold_an_echoed_sas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from providers.blob.provider import BlobPredictionsProvider

    signature = "S1gnatureB4se64Value%2Bx%3D"

    def route(method: str, path: str, query: dict[str, str]) -> Reply:
        message = f"Server failed to authenticate the request. sig {signature} {echo_text(SAS)}"
        body = (
            '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code>'
            f"<Message>{message}</Message></Error>"
        ).encode()
        echoed = {"Content-Type": "application/xml", "x-ms-error-code": f"InvalidQuery {SAS}"}
        return Reply(400, body, echoed)

    monkeypatch.setenv("MT_ECHO_SAS", SAS)
    with FakeServer(route) as server:
        provider = BlobPredictionsProvider.from_settings(
            {
                "account_url": f"{server.url}/devstoreaccount1",
                "container": "modeldata",
                "sas_env": "MT_ECHO_SAS",
            },
            ProviderContext("t", tmp_path),
        )
        with pytest.raises(ProviderError) as raised:
            provider.find("v1-4-3-2")
    text = f"{raised.value} {raised.value.hint}"
    assert SECRET in text
    for secret in (SAS, signature):
        assert_clean(text, secret)
