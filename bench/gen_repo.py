"""Build a deterministic benchmark git repository with one ``git fast-import`` stream.

    python bench/gen_repo.py 100000 bench/data/repo-100k [--merge-every 50] [--commit-graph]

N commits (merges and side-branch commits included) each touch 1-3 of 2000 text files
spread over 40 folders; every ``--merge-every`` commits a side-branch commit, forked a
few commits back, is merged into main.  The same N and options always give the same
shas.  The repository is bare, repacked with ``git repack -ad``, and optionally gets a
commit-graph with changed-path Bloom filters.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

FILES = 2000
FOLDERS = 40
LINES = 8
SIDE_FILES = 50
FORK_BACK = 5
EPOCH = 1_600_000_000
AUTHORS = [
    ("Ada Lovelace", "ada@example.com"),
    ("Grace Hopper", "grace@example.com"),
    ("Alan Turing", "alan@example.com"),
    ("Edsger Dijkstra", "edsger@example.com"),
    ("Barbara Liskov", "barbara@example.com"),
]


def git_env() -> dict[str, str]:
    """A deterministic environment: no user or system config, C locale."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(LC_ALL="C", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    return env


def path_of(index: int) -> str:
    return f"src/pkg{index % FOLDERS:02d}/module_{index:04d}.py"


def data(payload: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(payload), payload)


class Files:
    """The current content of a set of files, changed one line at a time."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.lines = {name: [f"# {name} line {k}" for k in range(LINES)] for name in names}

    def change(self, name: str, step: int, rng: random.Random) -> bytes:
        lines = self.lines[name]
        lines[step % LINES] = f"value_{step} = {rng.randrange(1 << 30)}  # step {step}"
        return ("\n".join(lines) + "\n").encode()


def commit_header(ref: str, mark: int, step: int, message: str) -> bytes:
    name, email = AUTHORS[step % len(AUTHORS)]
    stamp = f"{EPOCH + step * 600} +0000"
    return (
        f"commit {ref}\nmark :{mark}\n"
        f"author {name} <{email}> {stamp}\ncommitter {name} <{email}> {stamp}\n"
    ).encode() + data(message.encode())


def stream(count: int, merge_every: int) -> Iterator[bytes]:
    """The fast-import commands for ``count`` commits."""
    rng = random.Random(42)
    main = Files([path_of(i) for i in range(FILES)])
    side = Files([f"side/feature_{i:02d}.py" for i in range(SIDE_FILES)])
    main_marks: list[int] = []
    side_change: list[tuple[str, bytes]] = []
    side_mark = 0
    for step in range(1, count + 1):
        merging = merge_every > 0 and step % merge_every == 0 and len(main_marks) > FORK_BACK
        forking = merge_every > 0 and (step + 1) % merge_every == 0 and len(main_marks) > FORK_BACK
        if forking:
            name = side.names[step % SIDE_FILES]
            side_change = [(name, side.change(name, step, rng))]
            yield commit_header("refs/heads/side", step, step, f"side: tune {name}\n")
            yield b"from :%d\n" % main_marks[-FORK_BACK]
            yield from (b"M 100644 inline %s\n" % n.encode() + data(c) for n, c in side_change)
            side_mark = step
            continue
        if merging:
            yield commit_header("refs/heads/main", step, step, "Merge branch 'side'\n")
            yield b"merge :%d\n" % side_mark
            changes = side_change
        else:
            picked = rng.sample(range(FILES), rng.randint(1, 3))
            changes = [(path_of(i), main.change(path_of(i), step, rng)) for i in picked]
            subject = f"Change {len(changes)} file(s) at step {step}"
            body = f"{subject}\n\nTouches {', '.join(n for n, _ in changes)}.\n"
            yield commit_header("refs/heads/main", step, step, body)
        yield from (b"M 100644 inline %s\n" % n.encode() + data(c) for n, c in changes)
        main_marks.append(step)


def bench_repo(count: int, keep: Path | None, *, commit_graph: bool = True) -> Path:
    """The benches' repository of ``count`` commits: ``keep`` if given, else one under
    bench/data; generated first when it does not exist yet."""
    flavour = "graph" if commit_graph else "nograph"
    repo = keep or Path(__file__).resolve().parent / "data" / f"repo-{count}-{flavour}"
    if not repo.exists():
        print(f"generating {count} commits in {repo} ...")
        build(count, repo, commit_graph=commit_graph)
    return repo


def build(count: int, out: Path, *, merge_every: int = 50, commit_graph: bool = False) -> None:
    """Create the repository in ``out`` (which must not exist yet)."""
    env = git_env()
    started = time.perf_counter()
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(out)], check=True, env=env)
    importer = subprocess.Popen(
        ["git", "-C", str(out), "fast-import", "--quiet"], stdin=subprocess.PIPE, env=env
    )
    assert importer.stdin is not None
    buffer: list[bytes] = []
    for piece in stream(count, merge_every):
        buffer.append(piece)
        if len(buffer) >= 4096:
            importer.stdin.write(b"".join(buffer))
            buffer.clear()
    importer.stdin.write(b"".join(buffer))
    importer.stdin.close()
    if importer.wait() != 0:
        sys.exit("git fast-import failed")
    imported = time.perf_counter()
    subprocess.run(["git", "-C", str(out), "repack", "-adq"], check=True, env=env)
    repacked = time.perf_counter()
    print(f"fast-import {imported - started:.1f} s, repack {repacked - imported:.1f} s", end="")
    if commit_graph:
        write = ["commit-graph", "write", "--reachable", "--changed-paths", "--no-progress"]
        subprocess.run(["git", "-C", str(out), *write], check=True, env=env)
        print(f", commit-graph {time.perf_counter() - repacked:.1f} s", end="")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int, help="number of commits")
    parser.add_argument("out", type=Path, help="folder to create")
    parser.add_argument("--merge-every", type=int, default=50, help="0 for a linear history")
    parser.add_argument("--commit-graph", action="store_true", help="write a commit-graph")
    args = parser.parse_args()
    if args.out.exists():
        sys.exit(f"{args.out} already exists")
    build(args.count, args.out, merge_every=args.merge_every, commit_graph=args.commit_graph)


if __name__ == "__main__":
    main()
