"""Content search on Azure DevOps commits: the REST API has none, so a search runs in the
configured local clone (checked to be a clone of the same repository, its commits fetched),
else a path-only search goes through the API's itemPath and a text search is refused saying
how to configure the clone.  The real SDK against the fake organization serving a
repository made by git; the clone is made by ``git clone``."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from consoleapp import screen_text, settle
from fake_devops import FakeDevOps
from gitrepo import GitRepo

from providers.config import load_config
from providers.content_query import REGEX, ContentQuery
from providers.devops.gitparse import parse_commit
from providers.devops.provider import AzureDevOpsProvider
from providers.devops.remote_url import repository_of
from providers.devops.settings import parse_settings
from providers.errors import ConfigError, NotFound, Unavailable
from providers.protocols import ProviderContext
from providers.records import Commit
from tui.console.launch import build_app

PAT = "fake-pat-do-not-log"
OFFICIAL = Path(__file__).parent / "official" / "devops" / "GET__commits_commit_itemPath.json"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.commit("Initial config", {"config/scoring.yaml": "threshold: 0.50\n"})
    repo.commit("Docs", {"README.md": "Scoring.\n"})
    repo.commit("Tidy scoring config", {"config/scoring.yaml": "threshold: 0.62\n"})
    repo.commit("Model card: decision threshold", {"docs/card.md": "the threshold\n"})
    repo.commit("More docs", {"README.md": "Scoring service.\n"})
    return repo


@pytest.fixture
def fake(repo: GitRepo) -> Iterator[FakeDevOps]:
    with FakeDevOps(repo.path, pat=PAT) as server:
        yield server


def clone_of(repo: GitRepo, path: Path, url: str) -> Path:
    """A clone made by git, its origin set to ``url`` (as Azure DevOps gives to clone)."""
    subprocess.run(["git", "clone", "-q", str(repo.path), str(path)], check=True)
    subprocess.run(["git", "-C", str(path), "remote", "set-url", "origin", url], check=True)
    return path


def devops_url(fake: FakeDevOps) -> str:
    return f"{fake.base_url}/{fake.project}/_git/{fake.repository}"


def provider(fake: FakeDevOps, **settings: str) -> AzureDevOpsProvider:
    table = {
        "organization_url": fake.base_url,
        "project": fake.project,
        "repository": fake.repository,
        "retries": 0,
        **settings,
    }
    return AzureDevOpsProvider(parse_settings(table), pat=PAT)


def found(pages: Iterator[list[Commit]]) -> list[str]:
    return [commit.sha for page in pages for commit in page]


def git_says(repo: GitRepo, *args: str) -> list[str]:
    return repo.git("log", "--format=%H", *args).split()


def test_without_a_clone_a_text_search_is_refused_saying_how(fake: FakeDevOps) -> None:
    ado = provider(fake)
    try:
        for query in (ContentQuery("threshold"), ContentQuery("thr.*", mode=REGEX)):
            with pytest.raises(Unavailable) as caught:
                ado.search_content(query, "HEAD")
            assert "no content search" in caught.value.message
            assert 'local_clone = "<a clone of repo>"' in caught.value.hint
            assert "s -- PATH" in caught.value.hint
    finally:
        ado.close()


def test_a_path_search_goes_through_item_path_as_git_log_lists_it(
    repo: GitRepo, fake: FakeDevOps
) -> None:
    head = repo.head()
    first = git_says(repo, "--reverse", "HEAD")[0]
    ado = provider(fake)
    try:
        assert found(ado.search_content(ContentQuery(paths=("config",)), head)) == git_says(
            repo, head, "--", "config"
        )
        assert found(ado.search_content(ContentQuery(paths=("./README.md",)), head)) == (
            git_says(repo, head, "--", "README.md")
        )
        ranged = ado.search_content(ContentQuery(paths=("config/",)), head, since=first)
        assert found(ranged) == git_says(repo, head, f"^{first}", "--", "config")
    finally:
        ado.close()
    # asked as the official example asks: the same criteria names, a /-rooted path
    example = json.loads(OFFICIAL.read_text())
    listed = [s for s in fake.seen("/commits") if "searchcriteria.itempath" in s.query]
    asked = {s.query["searchcriteria.itempath"] for s in listed}
    assert asked == {"/config", "/README.md"}
    official = {k.lower() for k in example["parameters"] if k.startswith("searchCriteria.")}
    ranged_request = next(s for s in listed if "searchcriteria.compareversion.version" in s.query)
    assert official <= set(ranged_request.query)
    assert example["parameters"]["searchCriteria.itemPath"].startswith("/")
    # and its answer is read as a commit of the list
    entry = parse_commit(example["responses"]["200"]["body"]["value"][0])
    assert (entry.sha[:10], entry.message) == ("20510720ff", "Deleted README.md")


@pytest.mark.parametrize(
    ("paths", "said"),
    [
        (("config", "docs"), "by one path, not 2"),
        (("*.yaml",), "cannot filter commits by the pattern"),
        ((":(glob)config/**",), "cannot filter commits by the pattern"),
    ],
)
def test_paths_the_api_cannot_filter_by_are_said(
    fake: FakeDevOps, paths: tuple[str, ...], said: str
) -> None:
    ado = provider(fake)
    try:
        with pytest.raises(Unavailable, match=said) as caught:
            ado.search_content(ContentQuery(paths=paths), "HEAD")
        assert "local_clone" in caught.value.hint
    finally:
        ado.close()


def test_with_a_clone_of_the_repository_git_searches_there(
    repo: GitRepo, fake: FakeDevOps, tmp_path: Path
) -> None:
    clone = clone_of(repo, tmp_path / "clone", devops_url(fake))
    ado = provider(fake, local_clone=str(clone))
    head = repo.head()
    try:
        assert found(ado.search_content(ContentQuery("threshold"), head)) == git_says(
            repo, "-Sthreshold", head
        )
        regex = ContentQuery("threshold: 0\\.6", mode=REGEX, paths=("config",))
        assert found(ado.search_content(regex, head)) == git_says(
            repo, "-Gthreshold: 0\\.6", head, "--", "config"
        )
        both = found(ado.search_content(ContentQuery(paths=("config", "docs")), head))
        assert both == git_says(repo, head, "--", "config", "docs")
    finally:
        ado.close()
    assert all("searchcriteria.itempath" not in s.query for s in fake.seen("/commits"))


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://dev.azure.com/contoso/other/_git/repo", None),
        (
            "https://someone:sekrit-token@dev.azure.com/contoso/proj/_git/another",
            "https://dev.azure.com/contoso/proj/_git/another",
        ),
        ("git@github.com:contoso/repo.git", "github.com:contoso/repo.git"),
    ],
)
def test_a_clone_of_another_repository_is_refused_naming_its_remotes(
    repo: GitRepo, fake: FakeDevOps, tmp_path: Path, url: str, shown: str | None
) -> None:
    clone = clone_of(repo, tmp_path / "clone", url)
    ado = provider(fake, local_clone=str(clone))
    try:
        with pytest.raises(ConfigError) as caught:
            ado.search_content(ContentQuery("threshold"), repo.head())
        message, hint = caught.value.message, caught.value.hint
        assert f"is not a clone of proj/repo: its remotes are origin {shown or url}" in message
        assert "sekrit" not in message + hint
        assert f"{fake.base_url}/proj/_git/repo" in hint
    finally:
        ado.close()


def test_a_clone_lacking_the_commit_says_to_fetch(
    repo: GitRepo, fake: FakeDevOps, tmp_path: Path
) -> None:
    clone = clone_of(repo, tmp_path / "clone", devops_url(fake))
    newer = repo.commit("After the clone", {"config/scoring.yaml": "threshold: 0.7\n"})
    ado = provider(fake, local_clone=str(clone))
    try:
        with pytest.raises(NotFound) as caught:
            ado.search_content(ContentQuery("threshold"), newer)
        assert "lacks a commit searched from" in caught.value.message
        assert "fetch" in caught.value.hint
    finally:
        ado.close()


def test_local_clone_is_checked_and_read_from_the_profile_folder(
    repo: GitRepo, fake: FakeDevOps, tmp_path: Path
) -> None:
    clone_of(repo, tmp_path / "clone", devops_url(fake))
    table = {
        "provider": "azure-devops",
        "organization_url": fake.base_url,
        "project": fake.project,
        "repository": fake.repository,
        "local_clone": "clone",
    }
    ado = AzureDevOpsProvider.from_settings(table, ProviderContext("t", tmp_path))
    try:
        assert found(ado.search_content(ContentQuery("0.62"), repo.head())) == git_says(
            repo, "-S0.62", "HEAD"
        )
    finally:
        ado.close()
    with pytest.raises(ConfigError, match="'local_clone' must be a non-empty string"):
        parse_settings({**table, "local_clone": ""})
    missing = provider(fake, local_clone=str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match=r"local_clone .*nowhere: no such folder"):
        missing.search_content(ContentQuery("x"), "HEAD")
    missing.close()


def test_remote_urls_name_their_repository() -> None:
    wanted = ("contoso", "mortgage model", "scoring")
    for url in (
        "https://dev.azure.com/Contoso/Mortgage%20Model/_git/Scoring",
        "https://me@dev.azure.com/contoso/mortgage%20model/_git/scoring",
        "https://contoso.visualstudio.com/DefaultCollection/Mortgage%20Model/_git/scoring",
        "git@ssh.dev.azure.com:v3/contoso/Mortgage%20Model/scoring",
        "contoso@vs-ssh.visualstudio.com:v3/contoso/Mortgage%20Model/scoring",
    ):
        assert repository_of(url) == wanted, url
    assert repository_of("https://dev.azure.com/contoso/_git/scoring") == (
        "contoso",
        "scoring",
        "scoring",
    )
    assert repository_of("https://tfs.corp:8080/tfs/Coll/p/_git/r") == (
        "tfs.corp/tfs/coll",
        "p",
        "r",
    )
    assert repository_of("https://github.com/contoso/scoring.git") is None


def test_the_pane_says_why_and_searches_by_path(
    repo: GitRepo, fake: FakeDevOps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELTRAIL_TEST_PAT", PAT)
    config = tmp_path / "config.toml"
    config.write_text(
        f"""[profiles.t.commits]
provider = "azure-devops"
organization_url = "{fake.base_url}"
project = "{fake.project}"
repository = "{fake.repository}"
pat_env = "MODELTRAIL_TEST_PAT"
retries = 0
"""
    )
    app = build_app(load_config(config).profile("t"))

    async def main() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("5")
            await settle(pilot)
            await pilot.press("s", *"threshold", "enter")
            await settle(pilot)
            text = screen_text(pilot)
            assert "Azure DevOps cannot search what commits changed" in text, text
            assert "local_clone" in text and "s -- PATH" in text, text
            await pilot.press("s", "ctrl+u", *"-- config", "enter")
            await settle(pilot)
            text = screen_text(pilot)
            assert "2 commits -- config" in text, text
            assert "Tidy scoring config" in text and "Initial config" in text
            assert "Model card" not in text and "More docs" not in text

    asyncio.run(main())


def test_a_repository_named_by_id_is_checked_by_its_commits(repo: GitRepo, tmp_path: Path) -> None:
    guid = "1701bc47-1145-4739-a805-64b02e40dbe7"  # the id in the official example
    with FakeDevOps(repo.path, pat=PAT, repository=guid) as fake:
        clone = clone_of(repo, tmp_path / "clone", "https://example.com/mirror/scoring.git")
        ado = provider(fake, local_clone=str(clone))
        try:
            head = repo.head()
            assert found(ado.search_content(ContentQuery("0.62"), head)) == git_says(
                repo, "-S0.62", head
            )
            newer = repo.commit("Not in the clone", {"config/scoring.yaml": "threshold: 1\n"})
            with pytest.raises(NotFound, match="lacks a commit searched from"):
                ado.search_content(ContentQuery("threshold"), newer)
        finally:
            ado.close()
