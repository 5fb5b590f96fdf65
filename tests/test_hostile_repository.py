"""A repository someone else controls must never make us run its code.

The repository here sets every config key and attribute through which git can run a
command — fsmonitor, external diff, textconv, filter and merge drivers, pagers, hooks,
signature programs, credential helpers, askpass, ssh, a promisor remote — each pointing at
a script that leaves a mark.  Every git path the code has is then driven (history with and
without stats, first-parent walks, ranges, commit details with and without patches, merges,
a signed commit, the ``walk`` command line) and no mark may appear.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from gitrepo import GitRepo

from providers.errors import Unauthorized
from providers.git import command as command_module
from providers.git.provider import GitCommitsProvider

HOOKS = (
    "applypatch-msg",
    "pre-applypatch",
    "post-applypatch",
    "pre-commit",
    "pre-merge-commit",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "pre-rebase",
    "post-checkout",
    "post-merge",
    "pre-push",
    "pre-receive",
    "update",
    "proc-receive",
    "post-receive",
    "post-update",
    "reference-transaction",
    "push-to-checkout",
    "pre-auto-gc",
    "post-rewrite",
    "sendemail-validate",
    "fsmonitor-watchman",
    "p4-changelist",
    "p4-prepare-changelist",
    "p4-post-changelist",
    "p4-pre-submit",
    "post-index-change",
)
ATTRIBUTES = "* diff=evil filter=evil merge=evil\n*.yaml diff=conv\n"


class Marks:
    """Scripts that append their own name to a file: a command 'ran' iff its name is there."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / "bin"
        self.folder.mkdir()
        self.file = folder / "marks"

    def command(self, name: str) -> str:
        """The path of a new script that marks ``name`` (git runs some commands through
        the shell and some directly, so the command is a bare path)."""
        script = self.folder / name.replace(":", "-")
        script.write_text(f'#!/bin/sh\necho "{name}" >> "{self.file}"\n')
        script.chmod(0o755)
        return str(script)

    def seen(self) -> list[str]:
        return self.file.read_text().split() if self.file.exists() else []


def _hostile(repo: GitRepo, marks: Marks) -> None:
    """Turn ``repo`` into one whose config and attributes try to run ``marks``."""
    config = {
        "core.fsmonitor": marks.command("fsmonitor"),
        "core.pager": marks.command("core.pager"),
        "pager.log": marks.command("pager.log"),
        "pager.diff-tree": marks.command("pager.diff-tree"),
        "core.askPass": marks.command("askpass"),
        "core.sshCommand": marks.command("sshCommand"),
        "core.editor": marks.command("editor"),
        "core.alternateRefsCommand": marks.command("alternateRefsCommand"),
        "diff.external": marks.command("diff.external"),
        "diff.conv.textconv": marks.command("textconv"),
        "diff.evil.command": marks.command("diff.command"),
        "filter.evil.clean": marks.command("filter.clean"),
        "filter.evil.smudge": marks.command("filter.smudge"),
        "merge.evil.driver": marks.command("merge.driver"),
        "log.showSignature": "true",
        "gpg.program": marks.command("gpg.program"),
        "gpg.ssh.program": marks.command("gpg.ssh.program"),
        "gpg.x509.program": marks.command("gpg.x509.program"),
        "credential.helper": marks.command("credential.helper"),
        "uploadpack.packObjectsHook": marks.command("packObjectsHook"),
        "remote.origin.url": f"ext::{marks.command('ext-transport')}",
        "remote.origin.promisor": "true",
        "remote.origin.uploadpack": marks.command("uploadpack"),
        "extensions.partialClone": "origin",
        "core.repositoryFormatVersion": "1",
        "core.hooksPath": str(repo.path / "evil-hooks"),
        "include.path": str(repo.path / "evil.config"),
    }
    for key, value in config.items():
        repo.git("config", key, value)
    (repo.path / "evil.config").write_text(
        f'[core]\n\tfsmonitor = "{marks.command("included-fsmonitor")}"\n'
    )
    for folder in (repo.path / "evil-hooks", repo.path / ".git" / "hooks"):
        folder.mkdir(exist_ok=True)
        for hook in HOOKS:
            script = folder / hook
            script.write_text(f"#!/bin/sh\n{marks.command('hook:' + hook)}\n")
            script.chmod(0o755)
    (repo.path / ".git" / "info").mkdir(exist_ok=True)
    (repo.path / ".git" / "info" / "attributes").write_text(ATTRIBUTES)


@pytest.fixture
def marks(tmp_path: Path) -> Marks:
    return Marks(tmp_path)


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    """History with a rename, a binary file, a merge and a signed commit, built before the
    repository turns hostile (building it with git would run the hooks)."""
    repo = GitRepo(tmp_path / "repo")
    repo.commit("root", {".gitattributes": ATTRIBUTES})
    repo.commit("add config", {"config.yaml": "threshold: 0.5\n", "blob.bin": b"\x00\x01"})
    repo.git("checkout", "-q", "-b", "side")
    repo.commit("side change", {"side.txt": "x\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("tighten", {"config.yaml": "threshold: 0.62\n"})
    repo.merge("side", "merge side")
    tree = repo.git("rev-parse", "HEAD^{tree}")
    signed = (
        f"tree {tree}\nparent {repo.head()}\n"
        "author A <a@example.com> 1700000000 +0000\n"
        "committer A <a@example.com> 1700000000 +0000\n"
        "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n"
        " -----END PGP SIGNATURE-----\n\nsigned commit\n"
    ).encode()
    sha = repo.git("hash-object", "-t", "commit", "-w", "--stdin", stdin=signed)
    repo.git("update-ref", "HEAD", sha)
    return repo


@pytest.fixture
def provider(repo: GitRepo, marks: Marks) -> Iterator[GitCommitsProvider]:
    _hostile(repo, marks)
    opened = GitCommitsProvider(repo.path)
    yield opened
    opened.close()


def test_the_marks_would_be_left_by_plain_git(repo: GitRepo, marks: Marks) -> None:
    """The trap is armed: the same commands without our settings run the repository's code."""
    _hostile(repo, marks)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    subprocess.run(
        ["git", "-C", str(repo.path), "diff-tree", "-p", "-r", "HEAD~1", "HEAD"],
        capture_output=True,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=30,
    )
    subprocess.run(
        ["git", "-C", str(repo.path), "log", "-p", "-3", "HEAD"],
        capture_output=True,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
        timeout=30,
    )
    assert {"included-fsmonitor", "gpg.program", "filter.smudge", "textconv"} <= set(marks.seen())


def test_no_git_path_runs_the_repositorys_code(
    repo: GitRepo, provider: GitCommitsProvider, marks: Marks
) -> None:
    head = repo.head()
    for stats in (False, True):
        for first_parent in (False, True):
            pages = provider.history(head, stats=stats, first_parent=first_parent, page_size=2)
            history = [c for page in pages for c in page]
    assert [c.subject for c in history][:2] == ["signed commit", "merge side"]
    root = history[-1].sha
    between = [c.subject for page in provider.between(root, head) for c in page]
    assert "tighten" in between
    for commit in history:
        detail = provider.get_commit(commit.sha)
        provider.get_commit(commit.sha, with_diff=False)
    tighten = next(c for c in history if c.subject == "tighten")
    detail = provider.get_commit(tighten.sha)
    assert "+threshold: 0.62" in (detail.files[0].diff or "")

    assert marks.seen() == []


def test_the_walk_command_runs_none_of_it(
    repo: GitRepo, provider: GitCommitsProvider, marks: Marks
) -> None:
    binary = Path(sys.executable).parent / "modeltrail"
    for extra in ([], ["--json"]):
        result = subprocess.run(
            [str(binary), "walk", "HEAD", "--repo", str(repo.path), "--steps", "5", *extra],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert "tighten" in result.stdout
    assert marks.seen() == []


def test_every_git_process_starts_with_the_hardened_options(
    repo: GitRepo, marks: Marks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One place builds every git command line, and it always carries the guards."""
    _hostile(repo, marks)
    head = repo.head()
    seen: list[list[str]] = []
    real_popen = subprocess.Popen

    def spy(args: list[str], *rest: object, **kw: object) -> subprocess.Popen[bytes]:
        seen.append(list(args))
        return real_popen(args, *rest, **kw)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(subprocess, "Popen", spy)
    opened = GitCommitsProvider(repo.path)
    try:
        [c for page in opened.history(head, stats=True) for c in page]
        opened.get_commit(head)
        opened.get_commit(head, with_diff=False)
    finally:
        opened.close()
    assert seen
    for argv in seen:
        assert argv[: len(command_module.GLOBAL_OPTIONS) + 1] == [
            "git",
            *command_module.GLOBAL_OPTIONS,
        ]
    assert marks.seen() == []


def test_a_repository_of_another_owner_says_so(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git refuses a repository owned by someone else; we say why, and what to do."""
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    with pytest.raises(Unauthorized) as raised:
        GitCommitsProvider(repo.path)
    message = str(raised.value)
    assert "owned by another user" in message
    assert "safe.directory" in message
    assert "not a git repository" not in message
