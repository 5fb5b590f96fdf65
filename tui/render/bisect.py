"""The next commit to test between a good and a bad mark, chosen as ``git bisect
--first-parent`` chooses it, and the steps left as it counts them (bisect.c)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from providers.records import Commit


def first_parent_chain(commits: Sequence[Commit], bad: str) -> list[Commit]:
    """From ``bad`` down its first parents, while in ``commits`` (``good..bad``): the
    commits ``git rev-list --first-parent bad ^good`` lists, newest first."""
    by_sha = {c.sha: c for c in commits}
    chain: list[Commit] = []
    commit = by_sha.get(bad)
    while commit is not None:
        chain.append(commit)
        commit = by_sha.get(commit.parents[0]) if commit.parents else None
    return chain


def estimate_steps(count: int) -> int:
    """git's ``estimate_bisect_steps``: roughly how many more tests ``count`` commits take."""
    if count < 3:
        return 0
    n = count.bit_length() - 1
    e = 1 << n
    return n if e < 3 * (count - e) else n - 1


@dataclass(frozen=True, slots=True)
class BisectStep:
    """The commit to test next (or the first bad commit, when one is left) and the count."""

    commit: Commit
    left: int  # revisions left to test after this one (git bisect's "Bisecting: N …")
    steps: int  # roughly, as git estimates them
    done: bool  # ``commit`` is the first bad commit


def next_to_test(chain: Sequence[Commit]) -> BisectStep | None:
    """git's choice on a first-parent chain (newest first, bad at 0): walking up from the
    oldest, the first commit reaching about half the chain; None for an empty chain."""
    count = len(chain)
    if count == 0:
        return None
    if count == 1:
        return BisectStep(chain[0], 0, 0, done=True)
    # The commit reaching `reaches` commits (itself included); of two, none is halfway and
    # git takes the one nearest to it, the older.
    reaches = 1 if count == 2 else max(2, count // 2)
    return BisectStep(chain[count - reaches], count - reaches - 1, estimate_steps(count), False)


def bisect_notice(step: BisectStep | None) -> str:
    """What the bisect key says, in git bisect's words."""
    if step is None:
        return "Nothing to bisect: the bad commit is the good one or one of its ancestors."
    sha = step.commit.short_sha
    if step.done:
        return f"{sha} is the first bad commit."
    revisions = "revision" if step.left == 1 else "revisions"
    steps = "step" if step.steps == 1 else "steps"
    return (
        f"Bisecting: test {sha}; {step.left} {revisions} left to test after this "
        f"(roughly {step.steps} {steps})"
    )


def bisect_status(step: BisectStep | None) -> str:
    """The short form of :func:`bisect_notice` for the pane's status line (80 columns)."""
    if step is None:
        return "bisect: nothing left"
    if step.done:
        return f"bisect: first bad {step.commit.short_sha}"
    return f"bisect {step.commit.short_sha}: {step.left} left after it, ~{step.steps} steps"
