"""The Azure DevOps provider: the real azure-devops SDK against a local fake organization.

The fake's git answers come from a real repository built with ``git``, so parents,
changes and file contents are real; the git provider on the same repository is the
reference the commit records are compared with.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from devops_checks import assert_same_commit
from fake_devops import FakeDevOps, Seen, deploy_environment, zip_of
from gitrepo import GitRepo

from providers.backends import Backends
from providers.devops import provider as provider_module
from providers.devops.artifacts import read_metadata
from providers.devops.gitparse import Change, change_kind, parse_changes
from providers.devops.linediff import MAX_FILE_BYTES, TooLarge, file_change, hunks
from providers.devops.provider import AzureDevOpsProvider
from providers.devops.sdk import ENTRA_SCOPE, identity_credentials
from providers.devops.settings import parse_settings
from providers.errors import (
    BadData,
    ConfigError,
    NotFound,
    Throttled,
    Unauthorized,
    Unavailable,
    retry_after,
)
from providers.git.provider import GitCommitsProvider
from providers.protocols import ProviderContext
from providers.records import Build, Commit, Release
from providers.serialize import from_jsonable, to_jsonable
from providers.trail.resolver import RESOLVED, TrailResolver

ROOT = Path(__file__).resolve().parent.parent
PAT = "fake-pat-do-not-log"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x00\x01"


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


@pytest.fixture
def fake(repo: GitRepo) -> Iterator[FakeDevOps]:
    with FakeDevOps(repo.path, pat=PAT) as server:
        yield server


class Sleeps(list[float]):
    """Records the waits the provider asks for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_provider(
    fake: FakeDevOps, sleeps: Sleeps, *, pat: str = PAT, **settings: Any
) -> AzureDevOpsProvider:
    table = {
        "organization_url": fake.base_url,
        "project": fake.project,
        "repository": fake.repository,
        **settings,
    }
    return AzureDevOpsProvider(parse_settings(table), pat=pat, sleep=sleeps)


@pytest.fixture
def ado(fake: FakeDevOps, sleeps: Sleeps) -> AzureDevOpsProvider:
    return make_provider(fake, sleeps)


@pytest.fixture
def git(repo: GitRepo) -> Iterator[GitCommitsProvider]:
    provider = GitCommitsProvider(repo.path)
    yield provider
    provider.close()


def commit_gets(fake: FakeDevOps) -> list[Seen]:
    """The single-commit requests the fake received."""
    return [r for r in fake.seen("/commits/") if re.search(r"/commits/[0-9a-f]{40}$", r.path)]


def shas(pages: Iterator[list[Commit]]) -> list[str]:
    return [c.sha for page in pages for c in page]


def meta(commit: str, folders: list[str]) -> str:
    return json.dumps({"commit": commit, "training_data": folders})


def release_setup(fake: FakeDevOps, commit: str) -> None:
    """Build 42 of ``commit`` with a metadata artifact, and release 7 deploying it."""
    build = fake.add_build(
        42,
        commit,
        artifacts={
            "model-meta": {"meta.json": meta(commit, ["data/2024-04", "data/2024-05"])},
            "model": {"model.pkl": b"\x00binary model"},
        },
    )
    env = deploy_environment(
        11, "prod", phase_id=21, tasks=[(5, "AzureCLI"), (6, "Smoke")], when="2024-05-02T08:00:00Z"
    )
    fake.add_release(
        7,
        build=build,
        variables={"MODEL_NAME": "mortgage", "MODEL_VERSION": "3", "IMAGE": "acr.io/m:3"},
        environments=[env],
    )
    fake.release_logs[7, 11, 21, 5] = "deploying mortgage:3\nimage acr.io/m:3\n"
    fake.release_logs[7, 11, 21, 6] = "smoke ok\n"


# --- settings and identity ---------------------------------------------------------------


def test_settings_reject_unknown_and_bad_keys() -> None:
    base = {"organization_url": "https://dev.azure.com/contoso", "project": "p"}
    with pytest.raises(ConfigError, match=r"unknown setting.*colour"):
        parse_settings({**base, "colour": "red"})
    with pytest.raises(ConfigError, match="needs 'project'"):
        parse_settings({"organization_url": "https://dev.azure.com/contoso"})
    with pytest.raises(ConfigError, match="not an http"):
        parse_settings({**base, "organization_url": "dev.azure.com/contoso"})
    with pytest.raises(ConfigError, match="credentials"):
        parse_settings({**base, "organization_url": "https://u:secret@dev.azure.com/contoso"})
    with pytest.raises(ConfigError, match="timeout"):
        parse_settings({**base, "timeout": 0})
    with pytest.raises(ConfigError, match="release_variables"):
        parse_settings({**base, "release_variables": {"nope": "X"}})
    parsed = parse_settings({**base, "release_variables": {"model_version": "VER"}})
    assert parsed.rule.model_version == "VER"


def test_pat_comes_from_the_named_variable_and_never_shows(
    fake: FakeDevOps, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = {
        "organization_url": fake.base_url,
        "project": fake.project,
        "repository": fake.repository,
        "pat_env": "MODELTRAIL_TEST_PAT",
    }
    context = ProviderContext(profile="t", base_dir=Path())
    monkeypatch.delenv("MODELTRAIL_TEST_PAT", raising=False)
    with pytest.raises(ConfigError, match="MODELTRAIL_TEST_PAT") as missing:
        AzureDevOpsProvider.from_settings(table, context)
    assert "export MODELTRAIL_TEST_PAT" in str(missing.value)

    monkeypatch.setenv("MODELTRAIL_TEST_PAT", PAT)
    provider = AzureDevOpsProvider.from_settings(table, context)
    release_setup(fake, "0" * 40)

    identity = provider.identity()
    release = provider.get_release(7)
    assert PAT not in repr(identity) and "MODELTRAIL_TEST_PAT" not in repr(identity)
    assert identity["project"] == fake.project and identity["repository"] == fake.repository
    assert PAT not in json.dumps(to_jsonable(release))
    assert fake.seen("/releases/7")[0].authorization.startswith("Basic ")


class FakeCredential:
    """An azure-identity style credential handing out a token (or failing)."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        self.scopes: list[str] = []

    def get_token(self, scope: str) -> Any:
        self.scopes.append(scope)
        if self.token is None:
            from azure.core.exceptions import ClientAuthenticationError

            raise ClientAuthenticationError("DefaultAzureCredential failed to retrieve a token")
        return SimpleNamespace(token=self.token, expires_on=0)


def test_entra_token_is_asked_for_each_request(fake: FakeDevOps, sleeps: Sleeps) -> None:
    release_setup(fake, "a" * 40)
    credential = FakeCredential(fake.token)
    settings = parse_settings({"organization_url": fake.base_url, "project": fake.project})
    ado = AzureDevOpsProvider(settings, credentials=identity_credentials(credential), sleep=sleeps)

    assert ado.get_release(7).release_id == 7
    assert ado.get_task_log(7, 11, 21, 6) == "smoke ok\n"

    assert set(credential.scopes) == {ENTRA_SCOPE} and len(credential.scopes) >= 3
    assert fake.seen("/releases/7")[0].authorization == f"Bearer {fake.token}"


def test_no_token_is_unauthorized_with_what_to_do(fake: FakeDevOps, sleeps: Sleeps) -> None:
    settings = parse_settings({"organization_url": fake.base_url, "project": fake.project})
    credentials = identity_credentials(FakeCredential(None))
    ado = AzureDevOpsProvider(settings, credentials=credentials, sleep=sleeps)

    with pytest.raises(Unauthorized, match="az login"):
        ado.get_release(7)
    assert sleeps == []


def test_identity_changes_with_what_is_served(fake: FakeDevOps, sleeps: Sleeps) -> None:
    one = make_provider(fake, sleeps).identity()
    other = make_provider(fake, sleeps, release_definition="deploy-model").identity()
    assert one != other
    assert make_provider(fake, sleeps).identity() == one


# --- releases -----------------------------------------------------------------------------


def test_get_release_with_environments_tasks_and_target(
    fake: FakeDevOps, ado: AzureDevOpsProvider
) -> None:
    release_setup(fake, "a" * 40)

    release = ado.get_release(7)

    assert (release.release_id, release.name, release.definition) == (
        7,
        "Release-7",
        "deploy-model",
    )
    assert (release.build_id, release.build_number, release.commit) == (42, "20240501.42", "a" * 40)
    assert release.created_by == "Release Manager"
    (env,) = release.environments
    assert (env.env_id, env.name, env.status) == (11, "prod", "succeeded")
    assert [(t.task_id, t.name, t.phase_id) for t in env.tasks] == [
        (5, "AzureCLI", 21),
        (6, "Smoke", 21),
    ]
    assert release.target is not None
    assert (release.target.model_name, release.target.model_version) == ("mortgage", "3")
    assert release.target.image == "acr.io/m:3"
    assert "MODEL_NAME" in release.target.rule
    assert release.source.url is not None and "releaseId=7" in release.source.url
    assert from_jsonable(Release, to_jsonable(release)) == release


def test_target_from_artifact_variables(fake: FakeDevOps, sleeps: Sleeps) -> None:
    release_setup(fake, "a" * 40)
    rule = {"model_version": "Release.Artifacts._train.BuildNumber", "image": "NOPE"}
    ado = make_provider(fake, sleeps, release_variables=rule)

    target = ado.get_release(7).target

    assert target is not None and target.model_version == "20240501.42"
    assert "Release.Artifacts._train.BuildNumber" in target.rule


def test_target_from_task_logs_when_variables_name_none(fake: FakeDevOps, sleeps: Sleeps) -> None:
    release_setup(fake, "a" * 40)
    fake.releases[7]["variables"] = {}
    fake.release_logs[7, 11, 21, 5] = "login ok\ndeployed acr.io/m:4 as mortgage:4\n"
    pattern = r"deployed (?P<image>\S+) as (?P<model_name>[^:]+):(?P<model_version>\S+)"
    ado = make_provider(fake, sleeps, release_log={"pattern": pattern, "task": "azurecli"})

    target = ado.get_release(7).target

    assert target is not None
    assert (target.image, target.model_name, target.model_version) == (
        "acr.io/m:4",
        "mortgage",
        "4",
    )
    assert target.rule.startswith("log of task AzureCLI matching")
    assert fake.seen("/tasks/6/logs") == []  # only the rule's task is read
    assert [r.target for r in ado.list_releases()] == [target]


def test_log_rule_is_validated() -> None:
    base = {"organization_url": "https://dev.azure.com/contoso", "project": "p"}
    with pytest.raises(ConfigError, match="not a regular expression"):
        parse_settings({**base, "release_log": {"pattern": "(unclosed"}})
    with pytest.raises(ConfigError, match="names none of the groups"):
        parse_settings({**base, "release_log": {"pattern": "deployed (\\S+)"}})


def test_task_log_and_all_logs_zip(fake: FakeDevOps, ado: AzureDevOpsProvider) -> None:
    release_setup(fake, "a" * 40)

    log = ado.get_task_log(7, 11, 21, 5)
    archive = ado.get_release_logs_zip(7)

    assert log == "deploying mortgage:3\nimage acr.io/m:3\n"
    (sent,) = fake.seen("/tasks/5/logs")
    assert sent.path.endswith("/release/releases/7/environments/11/deployphases/21/tasks/5/logs")
    assert _unzip(archive) == {
        "prod/21/5.log": b"deploying mortgage:3\nimage acr.io/m:3\n",
        "prod/21/6.log": b"smoke ok\n",
    }
    assert fake.seen("/releases/7/logs")[0].accept.startswith("application/zip")


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def test_list_releases_pages_newest_first(fake: FakeDevOps, sleeps: Sleeps) -> None:
    fake.page_limit = 4
    build = fake.add_build(1, "b" * 40)
    for release_id in range(1, 11):
        fake.add_release(release_id, build=build, variables={"MODEL_VERSION": str(release_id)})
    ado = make_provider(fake, sleeps)

    releases = ado.list_releases(top=9)

    assert [r.release_id for r in releases] == [10, 9, 8, 7, 6, 5, 4, 3, 2]
    assert releases[0].target is not None and releases[0].target.model_version == "10"
    listed = fake.seen("/release/releases")
    assert len(listed) == 3  # 4 + 4 + 1, following X-MS-ContinuationToken
    assert listed[1].query["continuationtoken"] == "4"
    assert {r.query["$expand"] for r in listed} == {"environments,artifacts,variables"}


def test_a_repeated_continuation_token_is_bad_data_not_duplicates(
    fake: FakeDevOps, sleeps: Sleeps
) -> None:
    fake.page_limit = 4
    fake.stuck_continuation = "4"
    build = fake.add_build(1, "b" * 40)
    for release_id in range(1, 11):
        fake.add_release(release_id, build=build)
    ado = make_provider(fake, sleeps)

    with pytest.raises(BadData, match="sent the same page token twice"):
        ado.list_releases(top=9)  # was [10, 9, 8, 7, 6, 5, 4, 3, 6]: a page read twice


def test_release_definition_filter(fake: FakeDevOps, sleeps: Sleeps) -> None:
    build = fake.add_build(1, "b" * 40)
    fake.add_release(1, build=build, definition=(1, "deploy-model"))
    fake.add_release(2, build=build, definition=(2, "other"))
    ado = make_provider(fake, sleeps, release_definition="Deploy-Model")

    assert [r.release_id for r in ado.list_releases()] == [1]
    assert [r.release_id for r in ado.list_releases()] == [1]
    assert len(fake.seen("/release/definitions")) == 1  # looked up once

    missing = make_provider(fake, sleeps, release_definition="nope")
    with pytest.raises(NotFound, match="no release definition named 'nope'"):
        missing.list_releases()


# --- builds -------------------------------------------------------------------------------


def test_get_build_reads_artifact_metadata(fake: FakeDevOps, ado: AzureDevOpsProvider) -> None:
    release_setup(fake, "c" * 40)

    build = ado.get_build(42)

    assert (build.build_id, build.number, build.status, build.result) == (
        42,
        "20240501.42",
        "completed",
        "succeeded",
    )
    assert (build.definition, build.source_commit, build.branch) == (
        "train-pipeline",
        "c" * 40,
        "refs/heads/main",
    )
    assert build.requested_by == "Ada Author"
    by_name = {a.name: a for a in build.artifacts}
    assert by_name["model-meta"].commit == "c" * 40
    assert by_name["model-meta"].data_folders == ("data/2024-04", "data/2024-05")
    assert by_name["model"].commit is None and by_name["model"].metadata == {}
    zips = fake.seen("/build/builds/42/artifacts")
    assert any(r.accept.startswith("application/zip") for r in zips)
    assert from_jsonable(Build, to_jsonable(build)) == build


def test_metadata_artifacts_limits_downloads_and_keys_are_configurable(
    fake: FakeDevOps, sleeps: Sleeps
) -> None:
    doc = {"git_sha": "d" * 40, "folders": ["x"]}
    fake.add_build(
        3,
        "d" * 40,
        artifacts={"meta": {"info/run.json": json.dumps(doc)}, "model": {"m.bin": b"\x00"}},
    )
    ado = make_provider(
        fake,
        sleeps,
        metadata_artifacts=["meta"],
        artifact_metadata={"file": "run.json", "commit": "git_sha", "data_folders": "folders"},
    )

    build = ado.get_build(3)

    assert {a.name: (a.commit, a.data_folders) for a in build.artifacts} == {
        "meta": ("d" * 40, ("x",)),
        "model": (None, ()),
    }
    downloads = [r for r in fake.seen("/artifacts") if "artifactname" in r.query]
    assert [r.query["artifactname"] for r in downloads] == ["meta"]


def test_bad_metadata_is_bad_data_naming_the_artifact(
    fake: FakeDevOps, ado: AzureDevOpsProvider
) -> None:
    fake.add_build(4, "e" * 40, artifacts={"model-meta": {"meta.json": "{not json"}})

    with pytest.raises(BadData, match=r"artifact model-meta of build 4.*meta\.json"):
        ado.get_build(4)


def test_list_builds_newest_first_with_definition_filter(fake: FakeDevOps, sleeps: Sleeps) -> None:
    for build_id in range(1, 6):
        fake.add_build(
            build_id,
            "f" * 40,
            definition=(5, "train") if build_id % 2 else (6, "other"),
            queue_time=f"2024-05-0{build_id}T09:00:00Z",
        )

    assert [b.build_id for b in make_provider(fake, sleeps).list_builds(top=3)] == [5, 4, 3]
    filtered = make_provider(fake, sleeps, build_definition="train").list_builds()
    assert [b.build_id for b in filtered] == [5, 3, 1]
    assert all(b.artifacts == () for b in filtered)


def test_build_timeline(fake: FakeDevOps, ado: AzureDevOpsProvider) -> None:
    fake.add_build(8, "f" * 40)
    fake.timelines[8] = {
        "id": "t",
        "records": [
            {"id": "b", "parentId": "a", "type": "Task", "name": "Train", "state": "completed",
             "result": "succeeded", "startTime": "2024-05-01T09:05:00Z", "order": 2,
             "log": {"id": 7}},
            {"id": "a", "parentId": None, "type": "Job", "name": "Job", "state": "completed",
             "result": "succeeded", "startTime": "2024-05-01T09:00:00Z", "order": 1,
             "errorCount": 1},
        ],
    }  # fmt: skip

    steps = ado.get_build_timeline(8)

    assert [(s.step_id, s.kind, s.name, s.log_id) for s in steps] == [
        ("a", "Job", "Job", None),
        ("b", "Task", "Train", 7),
    ]
    assert steps[0].errors == 1


# --- commits ------------------------------------------------------------------------------


def changed_lines(diff: str | None) -> list[str]:
    """The +/- lines of a patch, without its ---/+++ header."""
    lines = (diff or "").splitlines()
    return [x for x in lines if x[:1] in "+-" and not x.startswith(("+++ ", "--- "))]


def test_get_commit_matches_git_with_local_line_diffs(
    repo: GitRepo, ado: AzureDevOpsProvider, git: GitCommitsProvider
) -> None:
    text = "".join(f"line {i}\n" for i in range(30))
    repo.commit("base\n\nwith a body\n", {"a.txt": text, "gone.txt": "bye\n", "old.txt": text})
    repo.git("mv", "old.txt", "new.txt")
    edited = text.replace("line 3\n", "line three\n").replace("line 25\n", "")
    sha = repo.commit(
        "edit, delete, rename, add binary and nested",
        {
            "a.txt": edited + "tail without newline",
            "gone.txt": None,
            "new.txt": text + "extra\n",
            "logo.png": PNG,
            "deep/dir/x.py": "print('x')\n",
        },
    )

    ours, reference = ado.get_commit(sha), git.get_commit(sha)

    assert_same_commit(ours, reference, diffs=True)
    for mine, theirs in zip(ours.files, reference.files, strict=True):
        assert changed_lines(mine.diff) == changed_lines(theirs.diff), mine.path
    files = {f.path: f for f in ours.files}
    assert files["logo.png"].diff is None and files["logo.png"].additions is None
    a_diff = files["a.txt"].diff or ""
    assert a_diff.startswith("diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ ")
    assert a_diff.endswith("+tail without newline\n\\ No newline at end of file\n")
    assert "rename from old.txt\nrename to new.txt\n" in (files["new.txt"].diff or "")
    assert "--- /dev/null" in (files["deep/dir/x.py"].diff or "")
    assert "+++ /dev/null" in (files["gone.txt"].diff or "")
    assert ours.source is not None and ours.source.url and sha in ours.source.url
    assert from_jsonable(Commit, to_jsonable(ours)) == ours


def test_root_commit_and_without_diff(repo: GitRepo, ado: AzureDevOpsProvider) -> None:
    root = repo.commit("first", {"a.txt": "one\ntwo\n"})

    full = ado.get_commit(root)
    summary = ado.get_commit(root, with_diff=False)

    assert full.parents == ()
    (file,) = full.files
    assert (file.path, file.change, file.additions, file.deletions) == ("a.txt", "added", 2, 0)
    (bare,) = summary.files
    assert (bare.path, bare.change, bare.additions, bare.diff) == ("a.txt", "added", None, None)


def test_large_files_are_summarised_not_diffed(repo: GitRepo, ado: AzureDevOpsProvider) -> None:
    big = "".join(f"{i:08d}\n" for i in range(MAX_FILE_BYTES // 9 + 10))
    sha = repo.commit("big", {"big.csv": big, "small.txt": "s\n"})

    files = {f.path: f for f in ado.get_commit(sha).files}

    assert files["big.csv"].additions is None and not files["big.csv"].binary
    assert "not diffed" in (files["big.csv"].diff or "")
    assert files["small.txt"].additions == 1


def test_merge_commit_against_first_parent(
    repo: GitRepo, ado: AzureDevOpsProvider, git: GitCommitsProvider
) -> None:
    made = merge_history(repo)

    ours = ado.get_commit(made["merge"])

    assert_same_commit(ours, git.get_commit(made["merge"]), diffs=True)
    assert ours.parents == (made["main1"], made["side2"])


def test_branch_names_head_and_unknown_revisions(repo: GitRepo, ado: AzureDevOpsProvider) -> None:
    first = repo.commit("one", {"a.txt": "a\n"})
    second = repo.commit("two", {"a.txt": "b\n"})
    repo.git("branch", "release/1", first)

    assert ado.get_commit("HEAD", with_diff=False).sha == second
    assert ado.get_commit("main", with_diff=False).sha == second
    assert ado.get_commit("release/1", with_diff=False).sha == first
    assert ado.get_commit(first.upper(), with_diff=False).sha == first
    assert ado.get_commit(first[:8], with_diff=False).sha == first
    with pytest.raises(NotFound, match="unknown commit 'no-such-branch'"):
        ado.get_commit("no-such-branch")
    with pytest.raises(NotFound, match="HTTP 404"):
        ado.get_commit("0" * 40)
    with pytest.raises(NotFound):
        ado.get_commit("--all")


def merge_history(repo: GitRepo) -> dict[str, str]:
    made = {"base": repo.commit("base", {"a.txt": "a\n"})}
    repo.git("checkout", "-q", "-b", "side")
    made["side1"] = repo.commit("side 1", {"s.txt": "1\n"})
    made["side2"] = repo.commit("side 2", {"s.txt": "2\n"})
    repo.git("checkout", "-q", "main")
    made["main1"] = repo.commit("main 1", {"a.txt": "b\n"})
    made["merge"] = repo.merge("side", "merge side")
    made["after"] = repo.commit("after", {"a.txt": "c\n"})
    return made


def test_history_pages_newest_first_like_git(
    repo: GitRepo, fake: FakeDevOps, ado: AzureDevOpsProvider, git: GitCommitsProvider
) -> None:
    made = [repo.commit(f"commit {i}", {"a.txt": f"{i}\n"}) for i in range(12)]

    pages = list(ado.history("HEAD", page_size=5))

    assert [len(p) for p in pages] == [5, 5, 2]
    assert [c.sha for p in pages for c in p] == made[::-1]
    assert pages[0][0].parents == (made[-2],) and pages[-1][-1].parents == ()
    assert all(c.files == () for p in pages for c in p)
    listed = fake.seen("/commits")
    skips = [
        r.query.get("searchcriteria.$skip") for r in listed if "searchcriteria.$top" in r.query
    ]
    assert skips[-3:] == ["0", "5", "10"]


def test_history_completes_truncated_messages(repo: GitRepo, ado: AzureDevOpsProvider) -> None:
    long = "subject\n\n" + "body " * 40 + "\n"
    sha = repo.commit(long, {"a.txt": "a\n"})

    (listed,) = next(ado.history(sha))

    assert listed.message == long  # the list sent 80 characters and commentTruncated


def test_history_with_parents_in_lists_needs_no_commit_calls(
    repo: GitRepo, fake: FakeDevOps, ado: AzureDevOpsProvider
) -> None:
    for i in range(4):
        repo.commit(f"c{i}", {"a.txt": f"{i}\n"})
    fake.list_parents = True

    assert len(shas(ado.history("HEAD"))) == 4
    assert len(commit_gets(fake)) == 1  # only the start, to check it exists


def test_first_parent_history_and_between_match_git(
    repo: GitRepo, ado: AzureDevOpsProvider, git: GitCommitsProvider
) -> None:
    made = merge_history(repo)

    assert shas(ado.history("HEAD", first_parent=True, page_size=2)) == shas(
        git.history("HEAD", first_parent=True)
    )
    assert shas(ado.history("HEAD")) == shas(git.history("HEAD"))
    shipped = shas(ado.between(made["main1"], "HEAD", page_size=2))
    assert shipped == shas(git.between(made["main1"], "HEAD"))
    assert set(shipped) == {made[k] for k in ("side1", "side2", "merge", "after")}
    assert shas(ado.between("HEAD", "HEAD")) == []
    with pytest.raises(NotFound):
        ado.between("nope", "HEAD")


def test_walk_with_stats_matches_git_over_many_parents_and_merges(
    repo: GitRepo, ado: AzureDevOpsProvider, git: GitCommitsProvider
) -> None:
    """The done-when check: commit by commit over 50+ parents, merges included."""
    repo.commit("start", {"model.py": "start\n"})
    for round_ in range(6):
        repo.git("checkout", "-q", "-b", f"topic{round_}")
        for i in range(4):
            repo.commit(f"topic {round_}.{i}", {f"t{round_}.txt": f"{i}\n" * (i + 1)})
        repo.git("checkout", "-q", "main")
        for i in range(4):
            lines = "".join(f"{round_} {i} {n}\n" for n in range(i + 3))
            repo.commit(f"main {round_}.{i}", {"model.py": lines, f"data/{i}.csv": "x,y\n"})
        repo.merge(f"topic{round_}", f"merge topic {round_}")

    ours = [c for page in ado.history("HEAD", page_size=16, stats=True) for c in page]
    reference = [c for page in git.history("HEAD", stats=True) for c in page]
    walked = [c for page in ado.history("HEAD", first_parent=True, stats=True) for c in page]
    walked_git = [c for page in git.history("HEAD", first_parent=True, stats=True) for c in page]

    assert len(ours) >= 50 and sum(len(c.parents) > 1 for c in ours) == 6
    for mine, theirs in zip(ours, reference, strict=True):
        assert_same_commit(mine, theirs, diffs=True)
    for mine, theirs in zip(walked, walked_git, strict=True):
        assert_same_commit(mine, theirs, diffs=True)


# --- resource areas, errors, retries --------------------------------------------------------


def test_releases_go_to_their_resource_area(
    repo: GitRepo, fake: FakeDevOps, sleeps: Sleeps
) -> None:
    sha = repo.commit("one", {"a.txt": "a\n"})
    release_setup(fake, sha)
    fake.release_area = True
    ado = make_provider(fake, sleeps)

    assert ado.get_release(7).build_id == 42
    assert ado.get_commit(sha, with_diff=False).sha == sha

    org = f"/{fake.organization}/proj/_apis"
    assert fake.seen("/releases/7")[0].path.startswith(f"/vsrm{org}/release/")
    assert fake.seen(f"/commits/{sha}")[0].path.startswith(f"{org}/git/")


def test_401_says_the_pat_was_rejected_and_never_shows_it(fake: FakeDevOps, sleeps: Sleeps) -> None:
    wrong = "wrong-pat-0123456789"
    ado = make_provider(fake, sleeps, pat=wrong)

    with pytest.raises(Unauthorized) as caught:
        ado.get_release(7)

    text = str(caught.value)
    assert "HTTP 401" in text and "Release (Read)" in text and "expired" in text
    assert wrong not in text and PAT not in text
    assert sleeps == []


@pytest.mark.parametrize(
    ("call", "path", "scope"),
    [
        (lambda p: p.get_release(7), "/releases/7", "Release (Read)"),
        (lambda p: p.get_build(42), "/builds/42", "Build (Read)"),
        (lambda p: p.get_commit("a" * 40), "/commits/", "Code (Read)"),
    ],
)
def test_403_names_the_scope_needed(
    fake: FakeDevOps, ado: AzureDevOpsProvider, call: Any, path: str, scope: str
) -> None:
    release_setup(fake, "a" * 40)
    fake.fail(path, 403)

    with pytest.raises(Unauthorized, match="HTTP 403") as caught:
        call(ado)

    assert scope in str(caught.value)


def test_404_is_not_found(fake: FakeDevOps, ado: AzureDevOpsProvider) -> None:
    with pytest.raises(NotFound, match=r"release 999 not found \(HTTP 404\)"):
        ado.get_release(999)
    with pytest.raises(NotFound, match="build 998"):
        ado.get_build(998)
    with pytest.raises(NotFound):
        ado.get_task_log(1, 2, 3, 4)


def test_429_is_retried_after_the_wait_the_server_asks(
    fake: FakeDevOps, ado: AzureDevOpsProvider, sleeps: Sleeps
) -> None:
    release_setup(fake, "a" * 40)
    fake.fail("/build/builds/42", 429, times=2, headers={"Retry-After": "3"})

    assert ado.get_build(42).build_id == 42

    assert sleeps == [3.0, 3.0]
    assert len([r for r in fake.seen("/build/builds/42") if r.path.endswith("/42")]) == 3


def test_retries_are_bounded_then_throttled(
    fake: FakeDevOps, ado: AzureDevOpsProvider, sleeps: Sleeps
) -> None:
    release_setup(fake, "a" * 40)
    fake.fail("/releases/7", 429, times=10, headers={"Retry-After": "2"})

    with pytest.raises(Throttled, match=r"HTTP 429.*retry after 2 s") as caught:
        ado.get_release(7)

    assert caught.value.retry_after == 2.0
    assert sleeps == [2.0, 2.0, 2.0]  # retries = 3
    assert len(fake.seen("/releases/7")) == 4


def test_a_wait_longer_than_allowed_is_not_waited(fake: FakeDevOps, sleeps: Sleeps) -> None:
    release_setup(fake, "a" * 40)
    fake.fail("/releases/7", 503, times=1, headers={"Retry-After": "600"})
    ado = make_provider(fake, sleeps, max_retry_wait=30)

    with pytest.raises(Throttled, match="HTTP 503") as caught:
        ado.get_release(7)

    assert caught.value.retry_after == 600.0 and sleeps == []


def test_503_without_retry_after_backs_off_then_is_unavailable(
    fake: FakeDevOps, sleeps: Sleeps
) -> None:
    fake.fail("/releases/7", 503, times=5)
    ado = make_provider(fake, sleeps, retries=2)

    with pytest.raises(Unavailable, match="HTTP 503"):
        ado.get_release(7)

    assert sleeps == [2.0, 4.0]


def test_503_then_success_recovers(
    fake: FakeDevOps, ado: AzureDevOpsProvider, sleeps: Sleeps
) -> None:
    release_setup(fake, "a" * 40)
    fake.fail("/releases/7", 503, times=1, headers={"Retry-After": "1"})

    assert ado.get_release(7).release_id == 7
    assert sleeps == [1.0]


def test_timeout_is_unavailable_and_retried(fake: FakeDevOps, sleeps: Sleeps) -> None:
    release_setup(fake, "a" * 40)
    fake.stall("/releases/7", 2.5, times=2)
    ado = make_provider(fake, sleeps, timeout=1, retries=1)

    with pytest.raises(Unavailable, match="did not answer within 1 s") as caught:
        ado.get_release(7)

    assert "timeout" in str(caught.value)
    assert len(sleeps) == 1


def test_unreachable_server_is_unavailable(sleeps: Sleeps) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    table = {"organization_url": f"http://127.0.0.1:{port}/org", "project": "p", "retries": 0}
    ado = AzureDevOpsProvider(parse_settings(table), pat=PAT, sleep=sleeps)

    with pytest.raises(Unavailable, match="cannot reach Azure DevOps"):
        ado.list_releases()


# --- read-only, quiet, lazy -----------------------------------------------------------------


def test_everything_is_read_only(repo: GitRepo, fake: FakeDevOps, ado: AzureDevOpsProvider) -> None:
    made = merge_history(repo)
    release_setup(fake, made["after"])
    fake.timelines[42] = {"records": []}

    ado.list_releases()
    ado.get_release(7)
    ado.get_task_log(7, 11, 21, 5)
    ado.get_release_logs_zip(7)
    ado.list_builds()
    ado.get_build(42)
    ado.get_build_timeline(42)
    ado.get_commit(made["merge"])
    list(ado.history("HEAD", stats=True))
    list(ado.history("HEAD", first_parent=True))
    list(ado.between(made["base"], "HEAD"))

    assert fake.writes() == []
    assert {r.method for r in fake.requests} == {"GET", "OPTIONS"}


class Collect(logging.Handler):
    """Keeps the names of the loggers whose records reach it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.names: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.names.append(record.name)


def test_sdk_output_is_silenced(
    fake: FakeDevOps,
    ado: AzureDevOpsProvider,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing reaches stdout, stderr or the root logger (which a UI might show)."""
    monkeypatch.setenv("azure_devops_python_print_urls", "true")
    root, collect = logging.getLogger(), Collect()
    level = root.level
    root.setLevel(logging.DEBUG)  # setLevel (not the attribute) clears the loggers' caches
    root.addHandler(collect)
    release_setup(fake, "a" * 40)
    try:
        ado.get_release(7)
        with pytest.raises(NotFound):
            ado.get_release(999)
    finally:
        root.removeHandler(collect)
        root.setLevel(level)

    assert capfd.readouterr() == ("", "")
    assert [n for n in collect.names if n.split(".")[0] in {"azure", "msrest", "urllib3"}] == []


def test_sdk_is_imported_lazily_with_its_cache_under_ours(tmp_path: Path) -> None:
    code = """
import json, os, sys
import providers.devops.provider
before = sorted(m for m in sys.modules if m.split(".")[0] in ("azure", "msrest"))
from providers.devops.sdk import client_class, sdk_cache_dir
client_class("git")
import azure.devops._file_cache as file_cache
print(json.dumps([before, file_cache.DEFAULT_CACHE_DIR, sdk_cache_dir()]))
"""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("AZURE_DEVOPS_CACHE_DIR", None)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env
    ).stdout
    before, sdk_dir, ours = json.loads(out.splitlines()[-1])

    assert before == []
    assert sdk_dir == ours == str(tmp_path / "cache" / "modeltrail" / "azure-devops")


# --- the trail through Azure DevOps -------------------------------------------------------------


def test_trail_from_release_to_commit_through_the_fake(
    repo: GitRepo, fake: FakeDevOps, ado: AzureDevOpsProvider, git: GitCommitsProvider
) -> None:
    made = merge_history(repo)
    release_setup(fake, made["merge"])
    backends = Backends(profile="ado", releases=ado, commits=ado)

    trail = TrailResolver(backends).from_release(7)

    assert [(h.kind, h.status) for h in trail.hops] == [
        ("release", RESOLVED),
        ("build", RESOLVED),
        ("data", RESOLVED),
        ("commit", RESOLVED),
    ]
    commit = trail.hop("commit").record  # type: ignore[union-attr]
    assert_same_commit(commit, git.get_commit(made["merge"], with_diff=False), diffs=False)
    data = trail.hop("data")
    assert data is not None and "data/2024-04, data/2024-05" in data.reason
    assert "sourceVersion" in trail.hop("commit").reason  # type: ignore[union-attr]


def test_walk_command_through_a_profile_matches_the_local_repository(
    repo: GitRepo,
    fake: FakeDevOps,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tui.cli.main import main

    made = merge_history(repo)
    monkeypatch.setenv("MODELTRAIL_TEST_PAT", PAT)
    config = tmp_path / "config.toml"
    config.write_text(
        f"""
[profiles.ado.commits]
provider = "azure-devops"
organization_url = "{fake.base_url}"
project = "{fake.project}"
repository = "{fake.repository}"
pat_env = "MODELTRAIL_TEST_PAT"
retries = 0
"""
    )

    assert main(["--config", str(config), "--profile", "ado", "walk", made["after"], "--json"]) == 0
    through_ado = json.loads(capsys.readouterr().out)
    assert main(["walk", made["after"], "--repo", str(repo.path), "--json"]) == 0
    local = json.loads(capsys.readouterr().out)

    def essence(commits: list[dict[str, Any]]) -> list[Any]:
        keep = ("path", "old_path", "change", "additions", "deletions", "binary")
        return [
            (c["sha"], c["parents"], c["message"], [[f[k] for k in keep] for f in c["files"]])
            for c in commits
        ]

    assert essence(through_ado) == essence(local)
    assert [c["sha"] for c in through_ado] == [made[k] for k in ("after", "merge", "main1", "base")]


# --- pure helpers ------------------------------------------------------------------------------


def test_change_kinds_and_folders_dropped() -> None:
    assert [change_kind(t) for t in ("add", "edit", "delete", "rename", "edit, rename")] == [
        "added",
        "modified",
        "deleted",
        "renamed",
        "renamed",
    ]
    changes = parse_changes(
        [
            {"item": {"path": "/z.txt", "gitObjectType": "blob"}, "changeType": "edit"},
            {
                "item": {"path": "/dir", "gitObjectType": "tree", "isFolder": True},
                "changeType": "add",
            },
            {
                "item": {"path": "/dir/new.txt", "gitObjectType": "blob"},
                "changeType": "edit, rename",
                "sourceServerItem": "/old.txt",
            },
        ]
    )
    assert changes == [
        Change("dir/new.txt", "old.txt", "renamed"),
        Change("z.txt", None, "modified"),
    ]
    with pytest.raises(BadData, match="without a path"):
        parse_changes([{"item": {"gitObjectType": "blob"}, "changeType": "add"}])


def test_hunks_count_and_mark_missing_newlines() -> None:
    body, added, deleted = hunks([b"a\n", b"b\n", b"c"], [b"a\n", b"B\n", b"c\n"])

    assert (added, deleted) == (2, 2)
    assert body.decode() == ("@@ -1,3 +1,3 @@\n a\n-b\n-c\n\\ No newline at end of file\n+B\n+c\n")


def test_file_change_binary_and_too_large() -> None:
    change = Change("f.bin", None, "modified")

    binary = file_change(change, b"abc\n", b"a\x00c", with_diff=True)
    large = file_change(change, TooLarge(MAX_FILE_BYTES + 1), b"x\n", with_diff=True)
    quiet = file_change(change, TooLarge(MAX_FILE_BYTES + 1), b"x\n", with_diff=False)

    assert (binary.binary, binary.additions, binary.diff) == (True, None, None)
    assert (large.binary, large.additions) == (False, None)
    assert large.diff is not None and "not diffed" in large.diff
    assert quiet.diff is None


def test_read_metadata_from_zip() -> None:
    data = zip_of({"meta/meta.json": '{"commit": "x"}', "meta/deep/meta.json": "{}"})

    assert read_metadata(data, "meta.json", "a") == {"commit": "x"}
    assert read_metadata(data, "deep/meta.json", "a") == {}
    assert read_metadata(data, "other.json", "a") is None
    with pytest.raises(BadData, match="not a readable zip"):
        read_metadata(b"nope", "meta.json", "artifact m")
    with pytest.raises(BadData, match="no JSON object"):
        read_metadata(zip_of({"m/meta.json": "[1]"}), "meta.json", "artifact m")


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # already past
    assert retry_after("soon") is None and retry_after(None) is None


def test_our_own_bugs_are_not_retried_as_backend_errors(
    fake: FakeDevOps, ado: AzureDevOpsProvider, sleeps: Sleeps
) -> None:
    def broken(_client: Any) -> None:
        raise AttributeError("a bug")

    with pytest.raises(AttributeError, match="a bug"):
        ado._git("anything", broken)
    assert sleeps == []


def test_an_api_the_server_does_not_offer_is_bad_data(repo: GitRepo, sleeps: Sleeps) -> None:
    with FakeDevOps(repo.path, pat=PAT) as fake:
        fake.hidden_resources = {"Timeline"}
        fake.add_build(8, "f" * 40)
        ado = make_provider(fake, sleeps)

        with pytest.raises(BadData, match="offers no API for the timeline of build 8"):
            ado.get_build_timeline(8)
        assert ado.get_build(8).build_id == 8
    assert sleeps == []


def test_big_artifacts_are_not_downloaded_unless_named(
    fake: FakeDevOps, sleeps: Sleeps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provider_module, "MAX_ARTIFACT_BYTES", 500)
    fake.add_build(
        9,
        "a" * 40,
        artifacts={"meta": {"meta.json": meta("a" * 40, ["d"])}, "model": {"m.bin": b"\0" * 900}},
    )

    build = make_provider(fake, sleeps).get_build(9)

    assert {a.name: a.commit for a in build.artifacts} == {"meta": "a" * 40, "model": None}
    downloads = [r.query["artifactname"] for r in fake.seen("/artifacts") if r.query]
    assert downloads == ["meta"]
    with pytest.raises(BadData, match="artifact model of build 9 is over 500 bytes"):
        make_provider(fake, sleeps, metadata_artifacts=["model"]).get_build(9)


def test_refused_entra_token_says_to_sign_in_again(fake: FakeDevOps, sleeps: Sleeps) -> None:
    settings = parse_settings({"organization_url": fake.base_url, "project": fake.project})
    credentials = identity_credentials(FakeCredential("an-expired-token"))
    ado = AzureDevOpsProvider(settings, credentials=credentials, sleep=sleeps)

    with pytest.raises(Unauthorized, match="HTTP 401") as caught:
        ado.get_release(7)

    assert "az login" in str(caught.value) and "an-expired-token" not in str(caught.value)
