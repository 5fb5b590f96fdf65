"""The demo's git repository: ~100 commits by five authors, with merges, a rename, a binary
file, training notebooks changed between model versions, and the quiet threshold change.
Written with one ``git fast-import`` stream.
"""

from __future__ import annotations

import os
import random
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from tui.demo import files, notebooks
from tui.demo.scenario import (
    AUTHORS,
    FIX_AT,
    HISTORY_END,
    HISTORY_START,
    NOTEBOOKS_AT,
    SUSPICIOUS_AT,
)

MERGER = ("Azure DevOps", "devops@contoso-bank.example")


@dataclass
class MainCommit:
    """A commit on main's first-parent line (what a nightly build would check out)."""

    mark: int
    when: datetime
    sha: str = ""


@dataclass
class _Writer:
    stream: bytearray = field(default_factory=bytearray)
    next_mark: int = 1

    def data(self, payload: bytes) -> None:
        self.stream += b"data %d\n" % len(payload) + payload + b"\n"

    def commit(
        self,
        ref: str,
        who: tuple[str, str],
        when: datetime,
        message: str,
        changes: Mapping[str, bytes | None],
        *,
        parent: int | None,
        merge: int | None = None,
        committer: tuple[str, str] | None = None,
        renames: tuple[tuple[str, str], ...] = (),
    ) -> int:
        mark = self.next_mark
        self.next_mark += 1
        stamp = int(when.timestamp())
        committer = committer or who
        self.stream += f"commit {ref}\nmark :{mark}\n".encode()
        self.stream += f"author {who[0]} <{who[1]}> {stamp} +0000\n".encode()
        self.stream += f"committer {committer[0]} <{committer[1]}> {stamp} +0000\n".encode()
        self.data(message.encode())
        if parent is not None:
            self.stream += f"from :{parent}\n".encode()
        if merge is not None:
            self.stream += f"merge :{merge}\n".encode()
        for old, new in renames:
            self.stream += f"R {old} {new}\n".encode()
        for path, content in sorted(changes.items()):
            if content is None:
                self.stream += f"D {path}\n".encode()
            else:
                self.stream += f"M 100644 inline {path}\n".encode()
                self.data(content)
        return mark


@dataclass
class RepoResult:
    """What the other generators need to know about the repository."""

    main_line: list[MainCommit]
    suspicious_sha: str
    fix_sha: str

    def commit_at(self, when: datetime) -> str:
        """The sha main pointed at, at ``when`` (what a nightly build checked out)."""
        before = [c for c in self.main_line if c.when <= when]
        return before[-1].sha


def generate_repo(path: Path, rng: random.Random) -> RepoResult:
    """Create the repository at ``path`` (which must not exist) and return its facts."""
    tree = {**files.initial_tree(), **notebooks.INITIAL}
    writer = _Writer()
    main_line: list[MainCommit] = []
    special: dict[str, int] = {}
    when = HISTORY_START
    tip = writer.commit(
        "refs/heads/main",
        AUTHORS[0],
        when,
        "Initial project layout for mortgage approval model\n",
        dict(tree),
        parent=None,
    )
    main_line.append(MainCommit(tip, when))
    pr = 100
    specials = [(SUSPICIOUS_AT, "suspicious"), (FIX_AT, "fix")]
    renamed = notebooks_changed = False
    while when < HISTORY_END - timedelta(days=2):
        when += timedelta(hours=rng.randint(40, 100), minutes=rng.randint(0, 59))
        if not notebooks_changed and when >= NOTEBOOKS_AT:
            # Inserted without drawing from rng: the rest of the history stays as it was.
            notebooks_changed = True
            tree.update(notebooks.CHANGE)
            tip = writer.commit(
                "refs/heads/main",
                AUTHORS[2],
                NOTEBOOKS_AT,
                notebooks.CHANGE_MESSAGE,
                notebooks.CHANGE,
                parent=tip,
            )
            main_line.append(MainCommit(tip, NOTEBOOKS_AT))
        if specials and when >= specials[0][0]:
            at, kind = specials.pop(0)
            author = AUTHORS[1] if kind == "suspicious" else AUTHORS[0]
            message, changes = files.special_change(tree, kind)
            tree.update(changes)
            tip = writer.commit("refs/heads/main", author, at, message, changes, parent=tip)
            special[kind] = tip
            main_line.append(MainCommit(tip, at))
            when = at
            continue
        if not renamed and when > HISTORY_START + timedelta(days=25):
            renamed = True
            old, new = "docs/model_card.md", "docs/model-card.md"
            tree[new] = tree.pop(old)
            tip = writer.commit(
                "refs/heads/main",
                AUTHORS[4],
                when,
                "Rename model card to kebab-case\n",
                {},
                parent=tip,
                renames=((old, new),),
            )
            main_line.append(MainCommit(tip, when))
            continue
        if rng.random() < 0.22:
            # A pull request: 1-3 commits on a branch, maybe one direct docs commit on main
            # meanwhile, then a merge commit by the service account.
            author = rng.choice(AUTHORS)
            branch_tree = dict(tree)
            branch = f"refs/heads/feature/pr-{pr}"
            branch_tip = tip
            subjects = []
            for _ in range(rng.randint(1, 3)):
                when += timedelta(hours=rng.randint(1, 6))
                message, changes = files.random_change(branch_tree, rng, area="code")
                branch_tree.update(changes)
                branch_tip = writer.commit(
                    branch, author, when, message, changes, parent=branch_tip
                )
                subjects.append(message.splitlines()[0])
            if rng.random() < 0.5:
                when += timedelta(minutes=rng.randint(10, 90))
                message, changes = files.random_change(tree, rng, area="docs")
                tree.update(changes)
                tip = writer.commit(
                    "refs/heads/main", rng.choice(AUTHORS), when, message, changes, parent=tip
                )
                main_line.append(MainCommit(tip, when))
            merged = {p: c for p, c in branch_tree.items() if tree.get(p) != c}
            tree.update(merged)
            when += timedelta(hours=rng.randint(1, 20))
            body = "\n".join(f"- {s}" for s in subjects)
            title = f"Merged PR {pr}: {subjects[0]}"
            tip = writer.commit(
                "refs/heads/main",
                author,
                when,
                f"{title}\n\n{body}\n",
                merged,
                parent=tip,
                merge=branch_tip,
                committer=MERGER,
            )
            main_line.append(MainCommit(tip, when))
            pr += 1
        else:
            message, changes = files.random_change(tree, rng, area=rng.choice(["code", "docs"]))
            tree.update(changes)
            tip = writer.commit(
                "refs/heads/main", rng.choice(AUTHORS), when, message, changes, parent=tip
            )
            main_line.append(MainCommit(tip, when))
    marks = _fast_import(path, bytes(writer.stream))
    for commit in main_line:
        commit.sha = marks[commit.mark]
    return RepoResult(main_line, marks[special["suspicious"]], marks[special["fix"]])


def _fast_import(path: Path, stream: bytes) -> dict[int, str]:
    env = {
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(path),
        "LC_ALL": "C",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }
    git = ["git", "-c", "init.defaultBranch=main", "-c", "core.autocrlf=false"]
    subprocess.run([*git, "init", "-q", str(path)], check=True, env=env)
    marks_file = path / ".git" / "demo-marks"
    subprocess.run(
        [*git, "-C", str(path), "fast-import", "--quiet", f"--export-marks={marks_file}"],
        input=stream,
        check=True,
        env=env,
    )
    subprocess.run([*git, "-C", str(path), "checkout", "-q", "-f", "main"], check=True, env=env)
    subprocess.run(
        [*git, "-C", str(path), "commit-graph", "write", "--reachable"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    marks: dict[int, str] = {}
    for line in marks_file.read_text().splitlines():
        mark, sha = line.split()
        marks[int(mark[1:])] = sha
    marks_file.unlink()
    return marks
