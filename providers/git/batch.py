"""Long-lived git processes answering one request at a time over pipes.

Starting git costs a few milliseconds; these processes are started on first use and
then answer each commit lookup in well under a millisecond.  Each has a lock, so
worker threads can share a provider; a process that fails is stopped and restarted
on the next request.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

from providers.errors import Ambiguous, BadData, NotFound
from providers.git.command import GitProcess
from providers.git.logparse import LOG_FORMAT, commit_parents


class _Batch:
    """A lazily started, lock-protected interactive git process."""

    def __init__(self, repo: Path, args: list[str]) -> None:
        self._repo = repo
        self._args = args
        self._lock = threading.RLock()
        self._process: GitProcess | None = None

    @contextlib.contextmanager
    def _session(self) -> Iterator[GitProcess]:
        """The running process, held exclusively; stopped if the exchange fails."""
        with self._lock:
            if self._process is None or self._process.process.poll() is not None:
                self.close()
                self._process = GitProcess(self._repo, self._args, interactive=True)
            process = self._process
            try:
                yield process
            except (OSError, EOFError, ValueError) as exc:
                failure = process.failure()
                self.close()
                raise failure from exc
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        """Stop the process if it runs (waiting for a request in flight)."""
        with self._lock:
            if self._process is not None:
                self._process.stop()
                self._process = None


class ObjectReader(_Batch):
    """``git cat-file --batch``: resolves revisions to commits and reads their parents."""

    def __init__(self, repo: Path) -> None:
        super().__init__(repo, ["cat-file", "--batch"])

    def commit(self, rev: str) -> tuple[str, tuple[str, ...]]:
        """The full sha and the parents of the commit ``rev`` names (see commit_object)."""
        sha, raw = self.commit_object(rev)
        return sha, commit_parents(raw)

    def commit_object(self, rev: str) -> tuple[str, bytes]:
        """The full sha and the raw object of the commit ``rev`` names.

        NotFound if it names no commit (or is unsafe to pass on); Ambiguous for an
        abbreviated sha shared by several objects.
        """
        unknown = NotFound(f"unknown commit {rev!r} in {self._repo}", provider="git")
        if not rev or rev.startswith("-") or any(c in rev for c in "\n\r\0"):
            raise unknown
        error, sha, _kind, body = self._ask(f"{rev}^{{commit}}".encode())
        if error == b"ambiguous":
            raise Ambiguous(
                f"{rev!r} matches several objects in {self._repo}",
                hint="use more characters of the sha",
                provider="git",
            )
        if error:
            raise unknown
        return sha.decode("ascii"), body

    def blob(self, rev: str, path: str, limit: int) -> bytes | None:
        """The content of ``path`` at the commit ``rev``; None if it has no such file.

        BadData for a blob over ``limit`` bytes or a path git cannot be asked for on one line.
        """
        if not rev or rev.startswith("-") or any(c in rev + path for c in "\n\r\0"):
            raise BadData(f"cannot read {path!r} at {rev!r} through git cat-file", provider="git")
        error, _sha, kind, body = self._ask(f"{rev}:{path}".encode())
        if error or kind != b"blob":
            return None  # "<query> missing" (or ambiguous), or not a file
        if len(body) > limit:
            raise BadData(f"{path} at {rev[:12]} is over {limit} bytes", provider="git")
        return body

    def _ask(self, query: bytes) -> tuple[bytes, bytes, bytes, bytes]:
        """git's answer to one request: (error, sha, kind, content); ``error`` is empty when
        the object was found, else what git said of it ("missing", "ambiguous")."""
        with self._session() as git:
            git.stdin.write(query + b"\n")
            git.stdin.flush()
            header = git.stdout.readline()
            if not header.endswith(b"\n"):
                raise EOFError
            # Found: "<sha> <kind> <size>"; otherwise "<query> missing" (or "ambiguous").
            if header.startswith(query + b" "):
                return header[len(query) + 1 :].strip(), b"", b"", b""
            sha, kind, size = header.split()
            body = git.stdout.read(int(size) + 1)
            if len(body) != int(size) + 1:
                raise EOFError
        return b"", sha, kind, body[:-1]


class DiffReader(_Batch):
    """``git diff-tree --stdin``: a commit's header and changed files, optionally with patches.

    After each request we send a random sentinel line; diff-tree echoes lines that are not
    object names and flushes, so the sentinel marks the end of the answer.
    """

    def __init__(self, repo: Path, *, patch: bool) -> None:
        args = ["diff-tree", "--stdin", "--always", "--root", "-r", "-z", "-M", "--no-color"]
        args += ["--encoding=UTF-8", f"--format={LOG_FORMAT}", "--raw"]
        args += ["--numstat", "-p"] if patch else ["--numstat"]
        super().__init__(repo, args)
        self._sentinel = f"--modeltrail-{secrets.token_hex(8)}--\n".encode()

    def diff(self, sha: str, parent: str | None) -> bytes:
        """The answer for ``sha`` against ``parent`` (None: a root commit, the empty tree)."""
        request = f"{sha} {parent}\n" if parent else f"{sha}\n"
        with self._session() as git:
            git.stdin.write(request.encode() + self._sentinel)
            git.stdin.flush()
            chunks = []
            tail = b""
            while not tail.endswith(self._sentinel):
                chunk = git.stdout.read1(1 << 20)
                if not chunk:
                    raise EOFError
                chunks.append(chunk)
                tail = (tail + chunk)[-len(self._sentinel) :]
        return b"".join(chunks)[: -len(self._sentinel)]
