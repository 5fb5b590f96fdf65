"""The cache in front of the providers: policy by kind, stale-while-revalidate, offline
mode, faults (corrupt database, failed writes, two processes), secrets and eviction."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import stat
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Self

import pytest

from cache import keys
from cache.context import STALE_OK, VERIFY, using
from cache.layer import ProviderCache
from cache.open import open_cached
from cache.proxies import cached_backends
from cache.record_store import Entry, RecordStore
from cache.settings import CacheSettings, cache_settings
from providers.backends import Backends, open_backends
from providers.config import ConfigError, workspace_profile
from providers.errors import ProviderError, Unavailable
from providers.protocols import (
    CONCERNS,
    CommitsProvider,
    DataProvider,
    DeploymentsProvider,
    ModelsProvider,
    PredictionPage,
    PredictionsProvider,
    Provider,
    ProviderContext,
    ReleasesProvider,
)
from providers.query import PredictionQuery
from providers.records import (
    Build,
    Commit,
    DataFolder,
    Deployment,
    Endpoint,
    ModelVersion,
    Release,
    TrainingRun,
)
from providers.trail.resolver import RESOLVED, UNRESOLVED, TrailResolver
from tui.cli.main import main
from tui.demo.workspace import DemoCase

SECRET = "s3cr3t-PAT-do-not-store-9f2c"


class Probe(
    Provider,
    PredictionsProvider,
    DeploymentsProvider,
    ModelsProvider,
    ReleasesProvider,
    CommitsProvider,
    DataProvider,
):
    """Serves every concern from the demo's local providers, counting calls; can go down."""

    name = "probe"
    concerns = frozenset(CONCERNS)

    def __init__(self, real: Backends, token: str = SECRET) -> None:
        self.real = real
        self.calls: Counter[str] = Counter()
        self.down = False
        self.gate: threading.Event | None = None
        self._token = token  # held like a credential; must never reach the cache

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        raise NotImplementedError

    def identity(self) -> Mapping[str, str]:
        return {"workspace": "demo", "api_token": self._token}  # the cache must drop the token

    def _do(self, concern: str, method: str, *args: Any, **kwargs: Any) -> Any:
        self.calls[method] += 1
        if self.gate is not None:
            self.gate.wait(10)
        if self.down:
            raise Unavailable("connection refused by 127.0.0.1:9")
        return getattr(getattr(self.real, concern), method)(*args, **kwargs)

    def find(self, request_id: str) -> PredictionPage:
        return self._do("predictions", "find", request_id)  # type: ignore[no-any-return]

    def search(self, query: PredictionQuery) -> Iterator[PredictionPage]:
        return self._do("predictions", "search", query)  # type: ignore[no-any-return]

    def list_endpoints(self) -> list[Endpoint]:
        return self._do("deployments", "list_endpoints")  # type: ignore[no-any-return]

    def list_deployments(self, endpoint: str) -> list[Deployment]:
        return self._do("deployments", "list_deployments", endpoint)  # type: ignore[no-any-return]

    def get_deployment(self, endpoint: str, name: str) -> Deployment:
        return self._do("deployments", "get_deployment", endpoint, name)  # type: ignore[no-any-return]

    def list_models(self) -> list[str]:
        return self._do("models", "list_models")  # type: ignore[no-any-return]

    def list_versions(self, name: str) -> list[ModelVersion]:
        return self._do("models", "list_versions", name)  # type: ignore[no-any-return]

    def get_version(self, name: str, version: str) -> ModelVersion:
        return self._do("models", "get_version", name, version)  # type: ignore[no-any-return]

    def get_run(self, run_id: str) -> TrainingRun:
        return self._do("models", "get_run", run_id)  # type: ignore[no-any-return]

    def list_releases(self, top: int = 100) -> list[Release]:
        return self._do("releases", "list_releases", top=top)  # type: ignore[no-any-return]

    def get_release(self, release_id: int) -> Release:
        return self._do("releases", "get_release", release_id)  # type: ignore[no-any-return]

    def list_builds(self, top: int = 100) -> list[Build]:
        return self._do("releases", "list_builds", top=top)  # type: ignore[no-any-return]

    def get_build(self, build_id: int) -> Build:
        return self._do("releases", "get_build", build_id)  # type: ignore[no-any-return]

    def get_task_log(self, release_id: int, env_id: int, phase_id: int, task_id: int) -> str:
        return self._do("releases", "get_task_log", release_id, env_id, phase_id, task_id)  # type: ignore[no-any-return]

    def get_commit(self, sha: str, *, with_diff: bool = True) -> Commit:
        return self._do("commits", "get_commit", sha, with_diff=with_diff)  # type: ignore[no-any-return]

    def history(
        self, start: str, *, first_parent: bool = False, page_size: int = 300, stats: bool = False
    ) -> Iterator[list[Commit]]:
        return self._do(  # type: ignore[no-any-return]
            "commits", "history", start, first_parent=first_parent, page_size=page_size
        )

    def between(self, old: str, new: str, *, page_size: int = 300) -> Iterator[list[Commit]]:
        return self._do("commits", "between", old, new, page_size=page_size)  # type: ignore[no-any-return]

    def list_folder(self, folder: str) -> DataFolder:
        return self._do("data", "list_folder", folder)  # type: ignore[no-any-return]

    def read_head(self, folder: str, path: str, limit: int) -> Iterator[bytes]:
        return self._do("data", "read_head", folder, path, limit)  # type: ignore[no-any-return]


@pytest.fixture
def probe(demo: tuple[Path, DemoCase]) -> Iterator[Probe]:
    real = open_backends(workspace_profile(demo[0]))
    yield Probe(real)
    real.close()


def settings(tmp_path: Path, **changes: Any) -> CacheSettings:
    return CacheSettings(tmp_path / "cache", **changes)


def behind_cache(probe: Probe, cache: ProviderCache) -> Backends:
    plain = Backends("t", **dict.fromkeys(CONCERNS, probe))  # type: ignore[arg-type]
    return cached_backends(plain, cache)


def test_a_data_folder_is_cached_for_good_only_when_its_store_states_it_immutable(
    probe: Probe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backends = behind_cache(probe, ProviderCache("t", settings(tmp_path, ttl=0)))
    assert backends.data is not None
    folder = "training-data/reference/postcode-risk-v3"
    first = backends.data.list_folder(folder)
    assert backends.data.list_folder(folder) == first and not first.immutable
    assert probe.calls["list_folder"] == 2  # a local folder states no immutability: TTL
    real = probe.real.data
    assert real is not None
    listed = real.list_folder
    monkeypatch.setattr(real, "list_folder", lambda f: replace(listed(f), immutable=True))
    other = "training-data/applications/2026-06-01T000000Z"
    kept = backends.data.list_folder(other)
    assert backends.data.list_folder(other) == kept and kept.files
    assert probe.calls["list_folder"] == 3


def test_immutable_answers_are_never_refetched(probe: Probe, tmp_path: Path) -> None:
    cache = ProviderCache("t", settings(tmp_path, ttl=0))
    backends = behind_cache(probe, cache)
    assert backends.models is not None and backends.commits is not None
    version = backends.models.get_version("mortgage", "4")
    assert backends.models.get_version("mortgage", "4") == version
    run = backends.models.get_run(version.run_id or "")
    assert backends.models.get_run(version.run_id or "") == run
    head = next(iter(backends.commits.history("HEAD")))[0]
    commit = backends.commits.get_commit(head.sha)
    assert backends.commits.get_commit(head.sha) == commit
    assert probe.calls["get_version"] == probe.calls["get_run"] == probe.calls["get_commit"] == 1
    backends.commits.get_commit("HEAD")
    backends.commits.get_commit("HEAD")  # a branch name moves: asked again once stale
    assert probe.calls["get_commit"] == 3


def test_mutable_answers_are_refetched_after_their_ttl(probe: Probe, tmp_path: Path) -> None:
    fresh = behind_cache(probe, ProviderCache("t", settings(tmp_path / "a", ttl=3600)))
    assert fresh.deployments is not None
    fresh.deployments.list_endpoints()
    fresh.deployments.list_endpoints()
    assert probe.calls["list_endpoints"] == 1
    expired = behind_cache(probe, ProviderCache("t", settings(tmp_path / "b", ttl=0)))
    assert expired.deployments is not None
    expired.deployments.list_endpoints()
    expired.deployments.list_endpoints()
    assert probe.calls["list_endpoints"] == 3


def test_stale_answers_are_served_at_once_then_replaced(probe: Probe, tmp_path: Path) -> None:
    backends = behind_cache(probe, ProviderCache("t", settings(tmp_path, ttl=0)))
    assert backends.deployments is not None
    first = backends.deployments.list_endpoints()
    with using(STALE_OK) as seen:
        assert backends.deployments.list_endpoints() == first
    assert probe.calls["list_endpoints"] == 1
    assert seen.stale and seen.served[0].what == "the endpoint list"
    with using(VERIFY) as again:
        backends.deployments.list_endpoints()
    assert probe.calls["list_endpoints"] == 2 and not again.served


def test_unreachable_backend_falls_back_to_the_cache(probe: Probe, tmp_path: Path) -> None:
    backends = behind_cache(probe, ProviderCache("t", settings(tmp_path, ttl=0)))
    assert backends.deployments is not None
    endpoints = backends.deployments.list_endpoints()
    probe.down = True
    with using() as seen:
        assert backends.deployments.list_endpoints() == endpoints
    assert "connection refused" in seen.fallback
    with pytest.raises(Unavailable):
        backends.deployments.list_deployments("never-fetched")


def test_offline_trail_says_per_hop_what_is_missing(
    probe: Probe, demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    online = behind_cache(probe, ProviderCache("t", settings(tmp_path)))
    prediction = TrailResolver(online).find_prediction(demo[1].request_id)
    assert online.deployments is not None and prediction.deployment
    online.deployments.get_deployment(prediction.endpoint, prediction.deployment)
    calls = sum(probe.calls.values())

    offline = behind_cache(probe, ProviderCache("t", settings(tmp_path, offline=True)))
    trail = TrailResolver(offline).trace(demo[1].request_id)
    assert sum(probe.calls.values()) == calls  # nothing asked of the backend
    status = {h.kind: h for h in trail.hops}
    assert status["prediction"].status == status["deployment"].status == RESOLVED
    assert status["model"].status == UNRESOLVED
    assert "offline" in status["model"].reason and "not in the cache" in status["model"].reason


def test_pages_are_cached_as_they_stream(probe: Probe, tmp_path: Path) -> None:
    backends = behind_cache(probe, ProviderCache("t", settings(tmp_path)))
    assert backends.commits is not None
    head = next(iter(backends.commits.history("HEAD", page_size=10)))[0].sha
    pages = list(backends.commits.history(head, page_size=40))
    assert sum(map(len, pages)) > 40
    again = list(backends.commits.history(head, page_size=40))
    assert again == pages and probe.calls["history"] == 2
    offline = behind_cache(probe, ProviderCache("t", settings(tmp_path, offline=True)))
    assert offline.commits is not None
    assert list(offline.commits.history(head, page_size=40)) == pages


def test_profiles_and_schema_versions_never_mix(
    probe: Probe, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for profile in ("a", "b"):
        backends = behind_cache(probe, ProviderCache(profile, settings(tmp_path)))
        assert backends.models is not None
        backends.models.get_version("mortgage", "3")
    assert probe.calls["get_version"] == 2
    monkeypatch.setattr(keys, "schema_version", lambda: "changed")
    backends = behind_cache(probe, ProviderCache("a", settings(tmp_path)))
    assert backends.models is not None
    backends.models.get_version("mortgage", "3")
    assert probe.calls["get_version"] == 3


def test_a_corrupt_database_is_moved_aside(probe: Probe, tmp_path: Path) -> None:
    folder = settings(tmp_path).records_dir
    RecordStore(folder, size_limit=1 << 20).close()
    (folder / "cache.db").write_bytes(b"this is not a database at all" * 300)
    warnings: list[str] = []
    cache = ProviderCache("t", settings(tmp_path), warn=warnings.append)
    assert cache.store.available and "corrupt" in warnings[0]
    assert list(folder.parent.glob("records.corrupt-*"))
    backends = behind_cache(probe, cache)
    assert backends.models is not None
    backends.models.list_models()
    backends.models.list_models()
    assert probe.calls["list_models"] == 1


def test_a_failed_write_turns_caching_off_with_a_warning(probe: Probe, tmp_path: Path) -> None:
    warnings: list[str] = []
    cache = ProviderCache("t", settings(tmp_path), warn=warnings.append)

    def disk_full(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    cache.store._cache.set = disk_full  # the database file system fills up
    backends = behind_cache(probe, cache)
    assert backends.models is not None
    assert backends.models.list_models() == backends.models.list_models()
    assert probe.calls["list_models"] == 2
    assert len(warnings) == 1 and "caching is off" in warnings[0]


def test_an_unusable_directory_means_no_cache_not_a_crash(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    warnings: list[str] = []
    backends, cache = open_cached(
        workspace_profile(demo[0]), {"directory": str(blocker)}, warn=warnings.append
    )
    assert cache is None and backends.models is not None
    assert "working without the cache" in warnings[0]
    with pytest.raises(ConfigError, match="offline mode needs the cache"):
        open_cached(workspace_profile(demo[0]), {"directory": str(blocker)}, offline=True)


def test_files_are_private_and_hold_no_secret(
    probe: Probe, demo: tuple[Path, DemoCase], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELTRAIL_ADO_PAT", SECRET)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", f"AccountKey={SECRET};")
    backends = behind_cache(probe, ProviderCache("t", settings(tmp_path)))
    TrailResolver(backends).trace(demo[1].request_id)
    root = settings(tmp_path).directory
    files = [p for p in root.rglob("*") if p.is_file()]
    assert files
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert SECRET.encode() not in path.read_bytes(), path


def test_size_limit_evicts_least_recently_used(tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "r", size_limit=256 * 1024)
    blob = os.urandom(6000).hex()  # incompressible
    for n in range(200):
        store.put(f"k{n}", Entry("blob", blob, time.time(), None), tag="t")
    assert store.volume() < 1024 * 1024
    assert store.get("k0") is None and store.get("k199") is not None


def _hammer(folder: str, worker: int, rounds: int) -> None:
    store = RecordStore(Path(folder), size_limit=1 << 30)
    for n in range(rounds):
        store.put(f"own-{worker}-{n}", Entry("n", n, time.time(), None), tag="t")
        store.put("shared", Entry("n", worker, time.time(), None), tag="t")
        assert store.get(f"own-{worker}-{n}") is not None
    store.close()


def test_two_processes_share_one_cache(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    RecordStore(folder, size_limit=1 << 30).close()
    context = multiprocessing.get_context("spawn")
    procs = [context.Process(target=_hammer, args=(str(folder), w, 150)) for w in (1, 2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    store = RecordStore(folder, size_limit=1 << 30)
    assert sum(1 for k in store.all_keys() if k.startswith("own-")) == 300
    assert store.get("shared") is not None


def test_settings_are_validated() -> None:
    assert cache_settings({"size_limit_mb": 10}, {"ttl_seconds": 5}).size_limit == 10 * 1024**2
    with pytest.raises(ConfigError, match="unknown key"):
        cache_settings({"sizelimit": 1})
    with pytest.raises(ConfigError, match="ttl_seconds must be a number"):
        cache_settings(None, {"ttl_seconds": "soon"})


def test_cache_info_and_clear_commands(
    demo: tuple[Path, DemoCase], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["trace", demo[1].request_id, "--workspace", str(demo[0])]) == 0
    assert main(["--offline", "trace", demo[1].request_id, "--workspace", str(demo[0])]) == 0
    capsys.readouterr()
    assert main(["cache", "info"]) == 0
    info = capsys.readouterr().out
    assert "Hit rate:" in info and "model-version" in info and "commit" in info
    assert main(["cache", "clear", "--profile", "workspace"]) == 0
    assert "Removed" in capsys.readouterr().out
    assert main(["--offline", "trace", demo[1].request_id, "--workspace", str(demo[0])]) == 2
    assert "not in the cache" in capsys.readouterr().err


def test_errors_other_than_unreachable_are_not_hidden(probe: Probe, tmp_path: Path) -> None:
    backends = behind_cache(probe, ProviderCache("t", settings(tmp_path)))
    assert backends.models is not None
    with pytest.raises(ProviderError):
        backends.models.get_version("mortgage", "99")
