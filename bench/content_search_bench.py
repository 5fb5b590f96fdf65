"""Content search: GitCommitsProvider.search_content against git log -S / -G, side by side.

    python bench/content_search_bench.py [--commits 100000] [--keep DIR] [--runs 3]

Uses (or generates) the walk bench's repository under ``bench/data/`` (``gen_repo.py``,
with a commit-graph), then times each pair in this one process (one discarded warm-up,
then the median of ``--runs`` runs, arms alternating) and prints the ratio ours/git:

* all results: ``git log -z --format=<same fields> -S TEXT HEAD`` read to its end vs every
  page of ``search_content(-S TEXT, HEAD)`` (goal: at most 1.2x), and the same for ``-G``;
* first result: git's first record on its stdout vs the first page yielded (goal: 1.2x).

TEXT (``step 50001``) is added by one commit half-way down the history and replaced by a
later one, so both the first and the last result come after real work.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gen_repo import bench_repo  # noqa: E402
from walk_bench import compare  # noqa: E402

from providers.content_query import PICKAXE, REGEX, ContentQuery  # noqa: E402
from providers.git.command import git_command, git_env, pickaxe_options  # noqa: E402
from providers.git.logparse import LOG_FORMAT  # noqa: E402
from providers.git.provider import GitCommitsProvider  # noqa: E402

TEXT = "step 50001"


def git_log(repo: Path, query: ContentQuery, *, first: bool) -> Callable[[], object]:
    """git log with the provider's arguments; ``first``: stop at the first record."""
    options = pickaxe_options(query.text, mode=query.mode)
    command = git_command(repo, "log", "-z", f"--format={LOG_FORMAT}", *options, "HEAD", "--")

    def run() -> object:
        git = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=git_env()
        )
        assert git.stdout is not None
        data = b""
        while chunk := git.stdout.read1(1 << 20):
            data += chunk
            if first and data.count(b"\0") >= 9:  # one record's nine fields
                break
        git.kill()
        git.wait()
        return data

    return run


def ours(provider: GitCommitsProvider, query: ContentQuery, *, first: bool) -> Callable[[], object]:
    def run() -> object:
        pages = provider.search_content(query, "HEAD")
        if first:
            page = next(pages)
            pages.close()  # type: ignore[attr-defined]
            return page
        return sum(len(page) for page in pages)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="repository folder to reuse or create")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    repo = bench_repo(args.commits, args.keep)
    provider = GitCommitsProvider(repo)
    ratios = {}
    for mode in (PICKAXE, REGEX):
        query = ContentQuery(TEXT, mode=mode)
        found = ours(provider, query, first=False)()
        print(f"-{mode} '{TEXT}': {found} commits found")
        ratios[f"-{mode} all"] = compare(
            f"(a) all results: git log -{mode} vs every page of search_content",
            git_log(repo, query, first=False),
            ours(provider, query, first=False),
            args.runs,
        )
        ratios[f"-{mode} first"] = compare(
            f"(b) first result: git's first record vs search_content's first page (-{mode})",
            git_log(repo, query, first=True),
            ours(provider, query, first=True),
            args.runs,
        )
    provider.close()
    print()
    for label, ratio in ratios.items():
        print(f"{label} <= 1.2x git: {'PASS' if ratio <= 1.2 else 'FAIL'} ({ratio:.2f}x)")


if __name__ == "__main__":
    main()
