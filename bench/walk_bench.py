"""Walking git history: GitCommitsProvider against plain git subprocesses, side by side.

    python bench/walk_bench.py [--commits 100000] [--keep DIR] [--runs 5] [--no-commit-graph]

Generates (or reuses) a repository under ``bench/data/`` with ``gen_repo.py``, then
times each pair in this one process (one discarded warm-up, then the median of
``--runs`` runs, arms alternating) and prints the ratio ours/baseline:

* first page: ``git log -n300 --format=<same fields>`` vs ``history(HEAD)``'s first page
  (goal G1: at most 1.5x);
* commit step: ``git show --stat <sha>`` vs ``get_commit(sha, with_diff=False)``, per
  commit over shas spread through history (goal G3: at most 1.2x);
* commit with patches: ``git show <sha>`` vs ``get_commit(sha)``;
* full walk: ``git log --format=<same fields>`` vs all pages of ``history(HEAD)`` (G2: 1.2x).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gen_repo import bench_repo  # noqa: E402

from providers.git.command import git_command, git_env, run_git  # noqa: E402
from providers.git.logparse import LOG_FORMAT  # noqa: E402
from providers.git.provider import GitCommitsProvider  # noqa: E402

SAMPLES = 20


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def compare(
    label: str, baseline: Callable[[], object], ours: Callable[[], object], runs: int, per: int = 1
) -> float:
    """Time both arms, print medians (min-max) and return the ratio of the medians."""
    times: dict[str, list[float]] = {"git": [], "ours": []}
    for run in range(runs + 1):
        arms = [("git", baseline), ("ours", ours)]
        for name, action in arms if run % 2 else arms[::-1]:
            elapsed = timed(action) / per
            if run:  # run 0 is the warm-up
                times[name].append(elapsed)
    medians = {name: statistics.median(values) for name, values in times.items()}
    ratio = medians["ours"] / medians["git"]
    print(f"{label}")
    for name, values in times.items():
        low, high = min(values) * 1e3, max(values) * 1e3
        print(f"    {name:5} {medians[name] * 1e3:9.2f} ms  (min {low:.2f}, max {high:.2f})")
    print(f"    ratio ours/git = {ratio:.2f}")
    return ratio


def git_reader(repo: Path, *args: str) -> Callable[[], object]:
    command = git_command(repo, *args)
    env = git_env()
    return lambda: (
        subprocess.run(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, check=True
        ).stdout
    )


def first_page(provider: GitCommitsProvider) -> list[object]:
    pages = provider.history("HEAD", page_size=300)
    page = next(pages)
    pages.close()
    return list(page)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="repository folder to reuse or create")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--commit-graph", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    repo = bench_repo(args.commits, args.keep, commit_graph=args.commit_graph)
    graph = run_git(repo, "rev-parse", "--git-path", "objects/info/commit-graph").stdout
    has_graph = (repo / graph.decode().strip()).exists() or (
        repo / "objects/info/commit-graphs"
    ).exists()
    count = run_git(repo, "rev-list", "--count", "HEAD").stdout.decode().strip()
    print(f"repo {repo}: {count} commits on HEAD, commit-graph present: {has_graph}")

    provider = GitCommitsProvider(repo)
    print(f"provider construction: {timed(lambda: GitCommitsProvider(repo).close()) * 1e3:.2f} ms")
    log = ["log", "-z", "--no-color", f"--format={LOG_FORMAT}"]
    g1 = compare(
        "(a/b) first 300 commits: git log -n300 vs history(HEAD) first page",
        git_reader(repo, *log, "-n300", "HEAD"),
        lambda: first_page(provider),
        args.runs,
    )
    cold = compare(
        "(b') same, with a fresh provider (construction and first cat-file included)",
        git_reader(repo, *log, "-n300", "HEAD"),
        lambda: first_page(GitCommitsProvider(repo)),
        args.runs,
    )
    every = int(count) // SAMPLES
    revs = run_git(repo, "rev-list", "HEAD").stdout.decode().split()[::every][:SAMPLES]

    def show_all(*options: str) -> None:
        for sha in revs:
            git_reader(repo, "show", "--no-color", *options, sha)()

    g3 = compare(
        f"(c) commit step, per commit ({len(revs)} shas): git show --stat vs get_commit(no diff)",
        lambda: show_all("--stat"),
        lambda: [provider.get_commit(sha, with_diff=False) for sha in revs],
        args.runs,
        per=len(revs),
    )
    compare(
        "(d) commit with patches, per commit: git show vs get_commit(sha)",
        show_all,
        lambda: [provider.get_commit(sha) for sha in revs],
        args.runs,
        per=len(revs),
    )
    g2 = compare(
        "(e) full history: git log --format vs every page of history(HEAD)",
        git_reader(repo, *log, "HEAD"),
        lambda: sum(len(page) for page in provider.history("HEAD", page_size=1000)),
        args.runs,
    )
    provider.close()
    print()
    verdict = "PASS" if g1 <= 1.5 else "FAIL"
    print(f"G1 first page <= 1.5x git log -n300: {verdict} ({g1:.2f}x warm, {cold:.2f}x cold)")
    print(f"G3 commit step <= 1.2x git show --stat: {'PASS' if g3 <= 1.2 else 'FAIL'} ({g3:.2f}x)")
    print(f"G2 full walk <= 1.2x git log: {'PASS' if g2 <= 1.2 else 'FAIL'} ({g2:.2f}x)")


if __name__ == "__main__":
    main()
