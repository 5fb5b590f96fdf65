"""Cancelling a content search kills its git process at once, not at git's next result:
through the stream (the provider), and in the Commits pane by a new search, an empty
search, ``r`` and quitting, on a history git needs half a minute to search."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from consoleapp import screen_text, settle
from gitrepo import GitRepo
from textual.pilot import Pilot
from timebox import bounded

from providers.config import load_config
from providers.content_query import ContentQuery
from providers.git.provider import GitCommitsProvider
from tui.console.launch import build_app

GONE_WITHIN = 5.0  # s; git alone would search on for ~30 s on this machine


@pytest.fixture(scope="module")
def slow_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """'needle' added at the tip, then 2,000 commits swapping two 2 MB files (each a pickaxe must
    count through) before the root: git prints the tip at once, then nothing for long."""
    path = tmp_path_factory.mktemp("slow") / "repo"
    GitRepo(path)
    rows = [b"row %06d of a wide table with some padding text\n" % i for i in range(40_000)]
    one = b"".join(rows)
    other = b"".join(row if i % 50 else row.upper() for i, row in enumerate(rows))
    chunks = [b"blob\nmark :%d\ndata %d\n%s\n" % (n, len(b), b) for n, b in ((1, one), (2, other))]
    chunks.append(
        b"commit refs/heads/main\ncommitter A <a@x> 1 +0000\ndata 4\nroot\n"
        b"M 100644 inline f\ndata 7\nneedle\n"
    )
    for n in range(2000):
        chunks.append(
            b"commit refs/heads/main\ncommitter A <a@x> %d +0000\ndata 5\nswap\n" % (2 + n)
            + b"M 100644 :%d big.txt\n" % (1 + n % 2)
        )
    chunks.append(
        b"commit refs/heads/main\ncommitter A <a@x> 99999 +0000\ndata 3\ntip\n"
        b"M 100644 inline f\ndata 14\nneedle needle\n"
    )
    subprocess.run(
        ["git", "-C", str(path), "fast-import", "--quiet"], input=b"".join(chunks), check=True
    )
    return path


def git_searches(text: str) -> list[int]:
    """The pids of this process's ``git log`` children searching for ``text`` (a zombie,
    killed but not reaped, still counts)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and b"log" in args and f"-S{text}".encode() in args:
            found.append(int(entry.name))
    return found


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    limit = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > limit:
            return False
        time.sleep(0.05)
    return True


def test_cancelling_the_stream_kills_git_while_a_read_waits_on_it(slow_repo: Path) -> None:
    provider = GitCommitsProvider(slow_repo)
    try:
        pages = provider.search_content(ContentQuery("needle"), "main")
        first = bounded(20, lambda: next(pages))
        assert [c.message for c in first] == ["tip"]
        waiting = threading.Thread(target=lambda: list(pages), daemon=True)
        waiting.start()  # blocked reading git, which finds nothing for long
        time.sleep(0.3)
        assert git_searches("needle") and waiting.is_alive()
        cancelled = time.monotonic()
        pages.cancel()
        waiting.join(GONE_WITHIN)
        assert not waiting.is_alive(), "the read still waits on git"
        assert wait_for(lambda: not git_searches("needle"), GONE_WITHIN)
        assert time.monotonic() - cancelled < GONE_WITHIN
    finally:
        provider.close()


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


# Not settled after: settling waits for the workers, which (before the fix) waited for git.
async def new_search(pilot: Pilot[None]) -> None:
    await pilot.press("s", "ctrl+u", *"-S needle and", "enter")  # searches for long
    await pilot.pause(0.3)
    assert git_searches("needle and"), "the new search is not running"


async def empty_search(pilot: Pilot[None]) -> None:
    await pilot.press("s", "ctrl+u", "enter")


async def refresh(pilot: Pilot[None]) -> None:
    await pilot.press("r")


CANCELS: dict[str, Callable[[Pilot[None]], Awaitable[None]] | None] = {
    "a new search": new_search,
    "an empty search": empty_search,
    "r": refresh,
    "quitting": None,
}


@pytest.mark.parametrize("how", list(CANCELS))
def test_cancelling_a_search_in_the_pane_kills_git(
    slow_repo: Path, tmp_path: Path, how: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.t.commits]\nprovider = "git"\npath = "{slow_repo}"\n')
    app = build_app(load_config(config).profile("t"))
    cancel = CANCELS[how]

    async def main() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "5")
            await pilot.press("s", *"needle", "enter")
            started = time.monotonic()
            while "tip" not in screen_text(pilot) and time.monotonic() - started < 30:
                await pilot.pause(0.05)
            text = screen_text(pilot)
            assert "tip" in text and "(searching …)" in text, text
            assert git_searches("needle"), "git is not searching"
            if cancel is not None:
                await cancel(pilot)
                gone = await asyncio.to_thread(
                    wait_for, lambda: not git_searches("needle"), GONE_WITHIN
                )
                assert gone, f"git still searches after {how}"
                if how != "a new search":
                    await settle(pilot)
                    text = screen_text(pilot)
                    assert "(searching …)" not in text and "tip" in text, text
        left = lambda: git_searches("needle") + git_searches("needle and")  # noqa: E731
        assert wait_for(lambda: not left(), GONE_WITHIN), "git still searches after quitting"

    asyncio.run(main())
