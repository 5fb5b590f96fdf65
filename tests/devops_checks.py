"""Comparisons of Azure DevOps provider records with the git provider's, for tests."""

from __future__ import annotations

from providers.records import Commit


def assert_same_commit(ours: Commit, reference: Commit, *, diffs: bool) -> None:
    """Equal to the git provider's record (dates as instants; ADO sends them in UTC)."""
    assert (ours.sha, ours.parents, ours.message) == (
        reference.sha,
        reference.parents,
        reference.message,
    )
    assert (ours.author, ours.committer) == (reference.author, reference.committer)
    assert (ours.authored_at, ours.committed_at) == (reference.authored_at, reference.committed_at)
    fields = [(f.path, f.old_path, f.change, f.binary) for f in ours.files]
    assert fields == [(f.path, f.old_path, f.change, f.binary) for f in reference.files]
    if diffs:
        counts = [(f.additions, f.deletions) for f in ours.files]
        assert counts == [(f.additions, f.deletions) for f in reference.files]
