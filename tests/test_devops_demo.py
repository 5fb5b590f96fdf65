"""End to end on the demo workspace: its Azure DevOps documents and repository served by
the fake organization, read through the real SDK, must give the trail and the history the
local providers give."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from devops_checks import assert_same_commit
from fake_devops import FakeDevOps

from providers.backends import Backends, open_backends
from providers.config import workspace_profile
from providers.devops.provider import AzureDevOpsProvider
from providers.devops.settings import parse_settings
from providers.records import Commit
from providers.trail.resolver import TrailResolver
from tui.demo.workspace import DemoCase


@pytest.fixture(scope="module")
def served(demo: tuple[Path, DemoCase]) -> Iterator[FakeDevOps]:
    path, _case = demo
    with FakeDevOps(path / "repo") as fake:
        fake.load_documents(path / "docs" / "devops")
        yield fake


@pytest.fixture
def backends(
    demo: tuple[Path, DemoCase], served: FakeDevOps
) -> Iterator[tuple[Backends, Backends]]:
    path, _case = demo
    local = open_backends(workspace_profile(path))
    table = {
        "organization_url": served.base_url,
        "project": served.project,
        "repository": served.repository,
    }
    ado = AzureDevOpsProvider(parse_settings(table), pat=served.pat)
    yield local, replace(local, releases=ado, commits=ado)
    ado.close()
    local.close()


def test_demo_trail_through_azure_devops_is_the_local_trail(
    demo: tuple[Path, DemoCase], backends: tuple[Backends, Backends], served: FakeDevOps
) -> None:
    _path, case = demo
    local, through_ado = backends

    expected = TrailResolver(local).trace(case.request_id)
    trail = TrailResolver(through_ado).trace(case.request_id)

    assert [(h.kind, h.label, h.status) for h in trail.hops] == [
        (h.kind, h.label, h.status) for h in expected.hops
    ]
    for hop, reference in zip(trail.hops, expected.hops, strict=True):
        if hop.kind != "commit":  # its reason prints the author date, in UTC from DevOps
            assert hop.reason == reference.reason, hop.kind
    commit, reference_commit = trail.hop("commit"), expected.hop("commit")
    assert commit is not None and reference_commit is not None
    assert_same_commit(commit.record, reference_commit.record, diffs=False)
    assert served.writes() == []


def test_demo_walk_over_fifty_parents_matches_git(
    demo: tuple[Path, DemoCase], backends: tuple[Backends, Backends]
) -> None:
    _path, case = demo
    local, through_ado = backends
    assert local.commits is not None and through_ado.commits is not None

    def walk(backends: Backends) -> list[Commit]:
        assert backends.commits is not None
        pages = backends.commits.history(case.fix_commit, page_size=60, stats=True)
        return next(pages)

    ours, reference = walk(through_ado), walk(local)

    assert len(ours) == 60 and any(len(c.parents) > 1 for c in ours)
    for mine, theirs in zip(ours, reference, strict=True):
        assert_same_commit(mine, theirs, diffs=True)
