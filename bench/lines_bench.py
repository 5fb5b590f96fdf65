"""Blame and line history: GitCommitsProvider against plain git, side by side.

    python bench/lines_bench.py [--commits 100000] [--keep DIR] [--runs 5]

On the repository ``walk_bench.py`` generates (``bench/data/repo-100000-graph``), times in
this one process (a discarded warm-up, then the median of ``--runs``, arms alternating):

* blame: ``git blame --porcelain HEAD -- FILE`` vs ``blame("HEAD", FILE)``;
* line history: ``git log -L N,N:FILE HEAD`` vs ``line_history("HEAD", FILE, N)``;

for the first line the last non-merge commit changed; prints ours/git (goal: <= 1.2x).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gen_repo import bench_repo  # noqa: E402
from walk_bench import compare, git_reader  # noqa: E402

from providers.git.blame import LINE_LOG_FORMAT  # noqa: E402
from providers.git.command import run_git  # noqa: E402
from providers.git.provider import GitCommitsProvider  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="repository folder to reuse or create")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    repo = bench_repo(args.commits, args.keep)
    provider = GitCommitsProvider(repo)
    last = run_git(repo, "log", "-n1", "--no-merges", "--format=%H", "HEAD").stdout.decode()
    change = next(f for f in provider.get_commit(last.strip()).files if f.diff)
    path = change.path
    assert change.diff is not None
    line = int(change.diff.split("\n@@ -", 1)[1].split("+", 1)[1].split(",")[0].split()[0])
    history = run_git(repo, "log", "--format=%H", f"-L{line},{line}:{path}", "HEAD", "--")
    commits = sum(1 for entry in history.stdout.split(b"\n") if len(entry) == 40)
    print(f"repo {repo}: {path} line {line}, changed by {commits} commits")
    blame = compare(
        f"(a) blame: git blame --porcelain HEAD -- {path} vs blame()",
        git_reader(repo, "blame", "--porcelain", "HEAD", "--", path),
        lambda: provider.blame("HEAD", path),
        args.runs,
    )
    lines = compare(
        f"(b) line history: git log -L{line},{line}:{path} HEAD vs line_history()",
        git_reader(repo, "log", f"--format={LINE_LOG_FORMAT}", f"-L{line},{line}:{path}", "HEAD"),
        lambda: provider.line_history("HEAD", path, line),
        args.runs,
    )
    provider.close()
    print()
    print(f"blame <= 1.2x git blame: {'PASS' if blame <= 1.2 else 'FAIL'} ({blame:.2f}x)")
    print(f"line history <= 1.2x git log -L: {'PASS' if lines <= 1.2 else 'FAIL'} ({lines:.2f}x)")


if __name__ == "__main__":
    main()
