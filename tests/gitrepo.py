"""Build small, deterministic git repositories for tests with real ``git`` commands."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

AUTHOR = ("Ada Author", "ada@example.com")
COMMITTER = ("Cy Committer", "cy@example.com")
EPOCH = 1_700_000_000


class GitRepo:
    """A repository in ``path``; every commit gets the next fixed timestamp."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._clock = 0
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def _env(self) -> dict[str, str]:
        date = f"{EPOCH + self._clock * 60} +0100"
        keep = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        return {
            **keep,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_NAME": AUTHOR[0],
            "GIT_AUTHOR_EMAIL": AUTHOR[1],
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": COMMITTER[0],
            "GIT_COMMITTER_EMAIL": COMMITTER[1],
            "GIT_COMMITTER_DATE": date,
        }

    def git(self, *args: str, stdin: bytes | None = None) -> str:
        """Run git in the repository and return its stripped stdout."""
        done = subprocess.run(
            ["git", "-C", str(self.path), *args],
            input=stdin,
            capture_output=True,
            env=self._env(),
            check=True,
        )
        return done.stdout.decode().strip()

    def commit(
        self, message: str | bytes, files: Mapping[str, str | bytes | None] | None = None
    ) -> str:
        """Write (or delete, for None) ``files``, commit them verbatim and return the sha."""
        for name, content in (files or {}).items():
            target = self.path / name
            if content is None:
                self.git("rm", "-q", "--", name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode() if isinstance(content, str) else content)
            self.git("add", "--", name)
        self._clock += 1
        raw = message.encode() if isinstance(message, str) else message
        self.git("commit", "-q", "--allow-empty", "--cleanup=verbatim", "-F", "-", stdin=raw)
        return self.head()

    def commit_raw(self, message: bytes) -> str:
        """Commit the index with ``message`` exactly as given, even if it is not UTF-8.

        ``git commit`` would re-encode such a message from Latin-1, so the commit object is
        written by hand.
        """
        self._clock += 1
        env = self._env()
        stamp = env["GIT_AUTHOR_DATE"]
        lines = [f"tree {self.git('write-tree')}", f"parent {self.head()}"]
        lines.append(f"author {AUTHOR[0]} <{AUTHOR[1]}> {stamp}")
        lines.append(f"committer {COMMITTER[0]} <{COMMITTER[1]}> {stamp}")
        body = "\n".join(lines).encode() + b"\n\n" + message
        sha = self.git("hash-object", "-t", "commit", "-w", "--stdin", stdin=body)
        self.git("update-ref", "HEAD", sha)
        return sha

    def head(self) -> str:
        """The sha HEAD points at."""
        return self.git("rev-parse", "HEAD")

    def merge(self, branch: str, message: str) -> str:
        """Merge ``branch`` into the current branch with a merge commit."""
        self._clock += 1
        self.git("merge", "-q", "--no-ff", "-m", message, branch)
        return self.head()
