"""Running the git command line: machine-readable output, and none of the repository's code.

Every git call goes through :func:`git_command` and :func:`git_env`: no pager, no colour,
no path quoting, the C locale, no prompts and no system config.  Repository-selecting
variables such as ``GIT_DIR`` are dropped so that ``-C <repo>`` always wins.

A repository we investigate may belong to someone else, and its ``.git/config``,
``.gitattributes`` and ``info/attributes`` can name commands for git to run.  Command-line
``-c`` settings outrank every config file (includes too), so :data:`GLOBAL_OPTIONS` switch
off each fixed-name hook: fsmonitor, hooks, pagers, signature programs, credential helpers,
askpass, and every transport (a promisor remote would otherwise be fetched from, running
its ssh command or ``ext::`` URL).  Drivers named by attributes (textconv, external diff,
the filters textconv would apply) cannot be listed in advance, so every subcommand that
diffs carries ``--no-ext-diff --no-textconv`` (:data:`SUBCOMMAND_OPTIONS`), and a
subcommand not classified here is refused rather than run unguarded.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import tempfile
from pathlib import Path
from typing import IO, cast

from providers.errors import Unavailable

_SETTINGS = (
    "core.quotepath=off",
    "color.ui=never",
    "core.fsmonitor=false",
    f"core.hooksPath={os.devnull}",
    "core.pager=cat",
    "core.askPass=",
    "credential.helper=",
    "protocol.allow=never",
    "log.showSignature=false",
    "gpg.program=false",
    "gpg.ssh.program=false",
    "gpg.x509.program=false",
)
GLOBAL_OPTIONS = ("--no-pager", *(arg for setting in _SETTINGS for arg in ("-c", setting)))

_NO_DRIVERS = ("--no-ext-diff", "--no-textconv")
SUBCOMMAND_OPTIONS: dict[str, tuple[str, ...]] = {
    # Subcommands that diff: no external diff, no textconv (nor the smudge filter it applies).
    "log": (*_NO_DRIVERS, "--no-show-signature"),
    "diff-tree": _NO_DRIVERS,
    "show": (*_NO_DRIVERS, "--no-show-signature"),
    # No textconv; --ignore-revs-file= drops the revisions a repository's
    # blame.ignoreRevsFile would hide (blame would name an older commit, silently).
    "blame": ("--no-textconv", "--ignore-revs-file="),
    # Subcommands that read objects and refs only.
    "cat-file": (),
    "config": (),
    "rev-parse": (),
    "rev-list": (),
}

_DROPPED_ENV = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_NAMESPACE",
        "GIT_PREFIX",
        "GIT_EXTERNAL_DIFF",
    }
)


def git_env() -> dict[str, str]:
    """The environment for git: this process's, made locale-free and prompt-free."""
    env = {key: value for key, value in os.environ.items() if key not in _DROPPED_ENV}
    env.update(
        LC_ALL="C",
        GIT_TERMINAL_PROMPT="0",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_OPTIONAL_LOCKS="0",
        GIT_PAGER="cat",
        GIT_ATTR_NOSYSTEM="1",
        GIT_NO_LAZY_FETCH="1",
    )
    return env


def git_command(repo: Path, subcommand: str, *args: str) -> list[str]:
    """The argument vector running ``git <subcommand> <args>`` in ``repo``, guarded."""
    guards = SUBCOMMAND_OPTIONS.get(subcommand)
    if guards is None:
        raise ValueError(f"git {subcommand} is not classified in SUBCOMMAND_OPTIONS")
    return ["git", *GLOBAL_OPTIONS, "-C", str(repo), subcommand, *guards, *args]


def pickaxe_options(text: str, *, mode: str, pickaxe_regex: bool = False) -> list[str]:
    """``git log``'s content-search options: ``-S<text>`` (commits changing how often
    ``text`` occurs; with ``pickaxe_regex`` a regex), or ``-G<regex>`` (commits with a changed
    line matching it).  The value is attached to its option in one argument, so no text (one
    starting with ``-`` included) is ever read as another option.  Textconv and external
    diffs stay off for the search too (the ``log`` guards above)."""
    if mode not in ("S", "G") or "\0" in text or not text:
        raise ValueError(f"not a content search: -{mode} {text!r}")
    if pickaxe_regex and mode != "S":
        raise ValueError("--pickaxe-regex goes with -S only")
    return [f"-{mode}{text}", *(["--pickaxe-regex"] if pickaxe_regex else [])]


def _not_installed() -> Unavailable:
    return Unavailable(
        "git is not installed", hint="install git and put it on PATH", provider="git"
    )


def run_git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """Run one short git command to completion and return its exit code and output."""
    try:
        return subprocess.run(
            git_command(repo, *args), capture_output=True, env=git_env(), check=False
        )
    except FileNotFoundError as exc:
        raise _not_installed() from exc


class GitProcess:
    """A running git command whose stdout is piped to us; stderr goes to a temporary file.

    stderr is not a pipe so that a chatty git (rename-limit warnings on every commit)
    can never block on it while we are reading stdout.
    """

    def __init__(self, repo: Path, args: list[str], *, interactive: bool = False) -> None:
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as git
        try:
            self.process = subprocess.Popen(
                git_command(repo, *args),
                stdin=subprocess.PIPE if interactive else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._errors,
                env=git_env(),
            )
        except FileNotFoundError as exc:
            self._errors.close()
            raise _not_installed() from exc
        self.name = args[0]

    @property
    def stdin(self) -> IO[bytes]:
        """The pipe to git's stdin (interactive processes only)."""
        assert self.process.stdin is not None
        return self.process.stdin

    @property
    def stdout(self) -> io.BufferedReader:
        """The pipe from git's stdout."""
        return cast(io.BufferedReader, self.process.stdout)

    def failure(self) -> Unavailable:
        """An error naming this command and quoting the end of its stderr."""
        size = self._errors.seek(0, os.SEEK_END)
        self._errors.seek(max(0, size - 2000))
        text = self._errors.read().decode("utf-8", errors="replace").strip()
        code = self.process.poll()
        status = f"exited with {code}" if code is not None else "stopped answering"
        return Unavailable(f"git {self.name} {status}: {text or 'no message'}", provider="git")

    def stop(self) -> None:
        """Kill git if still running, reap it and close the pipes."""
        if self.process.poll() is None:
            self.process.kill()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):  # a broken pipe to a killed git
                    pipe.close()
        self.process.wait()
        self._errors.close()
