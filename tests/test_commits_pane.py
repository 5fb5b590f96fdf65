"""The commits pane on a real repository (Pilot), and its pure helpers in tui.render.commitview."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from gitrepo import GitRepo
from rich.syntax import Syntax
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static

from providers.backends import Backends
from providers.errors import NotFound, Unavailable
from providers.git.provider import GitCommitsProvider
from providers.protocols import CommitsProvider
from providers.records import Commit, FileChange, Person
from providers.trail.resolver import Hop, Trail
from tui.panes import commits as commits_module
from tui.panes.commits import CommitsPane, CommitTable, ParentChoice, SearchInput
from tui.panes.session import Session
from tui.render import commitview
from tui.render.commitview import Marks
from tui.render.history import Location

EVIL = "evil [bold red]loud[/] [link=http://x]click[/link] \x1b[31mred\n\nbody [i]x[/i]\n"


@dataclass(frozen=True)
class Shas:
    c1: str
    c2: str
    f1: str
    c3: str
    merge: str
    evil: str
    head: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Shas]:
    """main: c1 - c2 - c3 - merge(c3, f1) - evil - head, with feature: c2 - f1."""
    repo = GitRepo(tmp_path_factory.mktemp("commits") / "repo")
    c1 = repo.commit("initial", {"a.txt": "a\n"})
    c2 = repo.commit("second", {"a.txt": "a\nb\n"})
    repo.git("checkout", "-q", "-b", "feature")
    f1 = repo.commit("feature work", {"f.txt": "f\n"})
    repo.git("checkout", "-q", "main")
    c3 = repo.commit("main work", {"m.txt": "m\n"})
    merge = repo.merge("feature", "Merge branch feature")
    evil = repo.commit(EVIL, {"e.txt": "\x1b[2Jcleared\n"})
    head = repo.commit("tip commit", {"a.txt": "a\nb\nc\n"})
    return repo.path, Shas(c1, c2, f1, c3, merge, evil, head)


@pytest.fixture
def provider(built: tuple[Path, Shas]) -> Iterator[GitCommitsProvider]:
    opened = GitCommitsProvider(built[0])
    yield opened
    opened.close()


@pytest.fixture
def shas(built: tuple[Path, Shas]) -> Shas:
    return built[1]


class Host(App[None]):
    """A minimal console: only the commits pane, with a recorded history."""

    CSS_PATH = str(Path(commits_module.__file__).with_suffix(".tcss"))

    def __init__(self, backends: Backends) -> None:
        super().__init__()
        self.session = Session(backends)
        self.visits: list[Location] = []

    def compose(self) -> ComposeResult:
        yield CommitsPane(self.session)

    def on_mount(self) -> None:
        self.query_one(CommitsPane).focus_body()

    def on_pane_visited(self, message: CommitsPane.Visited) -> None:
        self.visits.append(message.location)


Scenario = Callable[[Pilot[None], CommitsPane], Awaitable[None]]


def run(backends: Backends, scenario: Scenario) -> None:
    """Run ``scenario`` against a Host app once the pane has settled."""

    async def main() -> None:
        app = Host(backends)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await scenario(pilot, app.query_one(CommitsPane))

    asyncio.run(main())


def git_backends(provider: CommitsProvider) -> Backends:
    return Backends(profile="t", commits=provider)


async def settle(pilot: Pilot[None]) -> None:
    """Wait until no worker runs and the messages they caused are handled."""
    quiet = 0
    for _ in range(200):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        busy = any(not w.is_finished for w in pilot.app.workers)
        quiet = 0 if busy else quiet + 1
        if quiet >= 3:
            return
    raise AssertionError("the pane did not settle")


async def press(pilot: Pilot[None], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def visits(pilot: Pilot[None]) -> list[Location]:
    assert isinstance(pilot.app, Host)
    return pilot.app.visits


def shown(pane: CommitsPane) -> str | None:
    return pane._shown.sha if pane._shown else None


def rendered(pane: CommitsPane, name: str) -> str:
    """The text a detail widget shows (for the diff: the code its Syntax highlights)."""
    static = pane.query_one(f"#commits-{name}", Static)
    content = static.content
    return content.code if isinstance(content, Syntax) else str(static.render())


# --- the pane ----------------------------------------------------------------------------


def test_history_loads_newest_first_and_shows_the_first_commit(
    provider: GitCommitsProvider, shas: Shas
) -> None:
    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        rows = [c.sha for c in pane._rows]
        assert rows[0] == shas.head and rows[-1] == shas.c1 and len(rows) == 7
        assert shown(pane) == shas.head
        header = rendered(pane, "header")
        assert shas.head in header and "Ada Author <ada@example.com>" in header
        assert "Cy Committer" in header and "tip commit" in header
        assert "+c" in rendered(pane, "diff")
        assert "7 commits from HEAD" in rendered(pane, "status")
        await press(pilot, "j")
        assert shown(pane) == shas.evil
        await press(pilot, "G")
        assert shown(pane) == shas.c1
        await press(pilot, "home")
        assert shown(pane) == shas.head
        assert visits(pilot) == []  # moving previews; only jumps are recorded

    run(git_backends(provider), scenario)


def test_more_pages_load_when_the_cursor_nears_the_end(
    provider: GitCommitsProvider, shas: Shas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(commits_module, "PAGE_SIZE", 2)
    monkeypatch.setattr(commits_module, "PRELOAD_ROWS", 1)

    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        assert len(pane._rows) == 2
        assert "(more below)" in rendered(pane, "status")
        for _ in range(4):
            await press(pilot, "end")
        assert [c.sha for c in pane._rows][-1] == shas.c1 and len(pane._rows) == 7
        assert "(more below)" not in rendered(pane, "status")

    run(git_backends(provider), scenario)


def test_parent_steps_merge_choice_and_backspace(provider: GitCommitsProvider, shas: Shas) -> None:
    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        await press(pilot, "p")
        assert shown(pane) == shas.evil
        subject = EVIL.split("\n", maxsplit=1)[0].replace("\x1b", "\\x1b")
        assert visits(pilot) == [Location("commits", shas.evil, subject)]
        await press(pilot, "p")
        assert shown(pane) == shas.merge
        await press(pilot, "p")
        assert isinstance(pilot.app.screen, ParentChoice)
        await press(pilot, "2")
        assert shown(pane) == shas.f1
        assert pane._rows[pane.query_one(CommitTable).cursor_row].sha == shas.f1
        assert [v.key for v in visits(pilot)] == [shas.evil, shas.merge, shas.f1]
        await press(pilot, "backspace")
        assert shown(pane) == shas.merge
        await press(pilot, "p", "enter")  # Enter chooses the highlighted, first parent
        assert shown(pane) == shas.c3
        await press(pilot, "backspace", "backspace", "backspace")
        assert shown(pane) == shas.head
        assert [v.key for v in visits(pilot)][-1] == shas.c3  # Backspace is not recorded

    run(git_backends(provider), scenario)


def test_enter_and_go_to_show_a_commit(provider: GitCommitsProvider, shas: Shas) -> None:
    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        await press(pilot, "j", "j", "enter")
        assert shown(pane) == shas.merge
        assert visits(pilot) == [Location("commits", shas.merge, "Merge branch feature")]
        pane.go_to(Location("commits", f"commit:{shas.c2[:10]}", "second"))
        await settle(pilot)
        assert shown(pane) == shas.c2
        assert len(visits(pilot)) == 1  # history navigation is not a new visit

    run(git_backends(provider), scenario)


def test_good_and_bad_marks_narrow_the_range_and_d_shows_its_diff(
    provider: GitCommitsProvider, shas: Shas
) -> None:
    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        pane.go_to(Location("commits", shas.c2))
        await settle(pilot)
        await press(pilot, "g")
        assert "good " + shas.c2[:10] in rendered(pane, "status")
        pane.go_to(Location("commits", shas.head))
        await settle(pilot)
        await press(pilot, "b")
        assert pane._range is not None
        in_range = {c.sha for c in pane._range.commits}
        assert in_range == {shas.f1, shas.c3, shas.merge, shas.evil, shas.head}
        status = rendered(pane, "status")
        assert f"5 commits between good {shas.c2[:10]} and bad {shas.head[:10]}" in status
        table = pane.query_one(CommitTable)
        marks = [str(table.get_row(c.sha)[0]) for c in pane._rows]
        assert marks == ["B", "•", "•", "•", "•", "G", " "]
        await press(pilot, "D")
        assert "Diff of good" in rendered(pane, "header")
        diff = rendered(pane, "diff")
        assert all(name in diff for name in ("m.txt", "f.txt", "e.txt", "+c"))
        assert "\\x1b[2J" in diff and "\x1b" not in diff
        await press(pilot, "b")  # marking bad again clears the mark
        assert pane._range is None and "mark a bad commit" in rendered(pane, "status")

    run(git_backends(provider), scenario)


def test_show_range_marks_and_narrows(provider: GitCommitsProvider, shas: Shas) -> None:
    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        pane.show_range(shas.c3[:8], shas.evil)
        await settle(pilot)
        assert pane._rows[0].sha == shas.evil
        assert pane._marks == Marks(good=shas.c3, bad=shas.evil)
        assert "2 commits between good" in rendered(pane, "status")

    run(git_backends(provider), scenario)


def test_a_range_asked_for_clears_an_earlier_filter(
    provider: GitCommitsProvider, shas: Shas
) -> None:
    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        await press(pilot, "slash", *"FEATURE", "enter")
        assert "filter “FEATURE”: 2 shown" in rendered(pane, "status")
        pane.show_range(shas.c3[:8], shas.evil)  # what Releases' g then x asks for
        await settle(pilot)
        status = rendered(pane, "status")
        assert "filter" not in status and "2 commits between good" in status
        assert pane._rows[0].sha == shas.evil  # hidden by the filter before

    run(git_backends(provider), scenario)


def test_colon_goes_to_a_commit_by_abbreviated_sha_or_ref(
    provider: GitCommitsProvider, shas: Shas
) -> None:
    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        await press(pilot, "colon", *shas.f1[:7], "enter")
        assert shown(pane) == shas.f1 and shas.f1 in rendered(pane, "header")
        assert visits(pilot)[-1].key == shas.f1  # recorded like any other jump
        await press(pilot, "colon", *"HEAD~2", "enter")
        assert shown(pane) == shas.merge
        await press(pilot, "colon", *"no-such-ref", "enter")
        assert "unknown commit 'no-such-ref'" in rendered(pane, "error")
        assert pilot.app.is_running

    run(git_backends(provider), scenario)


def test_search_filters_and_n_moves_between_matches(
    provider: GitCommitsProvider, shas: Shas
) -> None:
    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        search = pane.query_one(SearchInput)
        await press(pilot, "slash")
        assert search.display and search.has_focus
        await press(pilot, *"FEATURE", "enter")
        assert not search.display
        assert [c.sha for c in pane._rows] == [shas.merge, shas.f1]
        assert "filter “FEATURE”: 2 shown" in rendered(pane, "status")
        await press(pilot, "n")
        assert shown(pane) == shas.f1
        await press(pilot, "n")
        assert shown(pane) == shas.merge
        await press(pilot, "N")
        assert shown(pane) == shas.f1
        await press(pilot, "slash", *"xyz", "escape")  # Escape keeps the applied filter
        assert not search.display and len(pane._rows) == 2
        await press(pilot, "slash", "ctrl+u", "enter")  # Enter on empty clears and closes
        assert not search.display and len(pane._rows) == 7
        await press(pilot, "slash", *"cy@EXAMPLE", "enter")  # authors match too (email)
        assert len(pane._rows) == 0  # the committer is not the author

    run(git_backends(provider), scenario)


def test_y_sends_the_full_sha_and_claims_no_copy_it_cannot_know(
    provider: GitCommitsProvider, shas: Shas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMUX", "/tmp/tmux-1/default,1,0")
    written: list[str] = []

    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        driver = pilot.app._driver
        assert driver is not None
        monkeypatch.setattr(driver, "write", written.append)
        await press(pilot, "y")
        # plain OSC 52 even in tmux (>= 3.3 drops the passthrough wrapping by default)
        assert written == [f"\x1b]52;c;{base64.b64encode(shas.head.encode()).decode()}\x07"]
        messages = [n.message for n in pilot.app._notifications]
        assert any(shas.head in m and "set-clipboard on" in m for m in messages)
        assert not any(
            "Copied" in n.title or "Copied" in n.message for n in pilot.app._notifications
        )

    run(git_backends(provider), scenario)


def test_data_text_is_shown_literally(provider: GitCommitsProvider, shas: Shas) -> None:
    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        await press(pilot, "j")
        header = rendered(pane, "header")
        assert "[bold red]loud[/]" in header and "[link=http://x]click[/link]" in header
        assert "\\x1b[31mred" in header and "body [i]x[/i]" in header
        assert "\x1b" not in header
        table = pane.query_one(CommitTable)
        subject = str(table.get_row(shas.evil)[4])
        assert subject.startswith("evil [bold red]loud[/] [link=") and "\\x1b[31m" in subject

    run(git_backends(provider), scenario)


def test_trail_commit_becomes_the_start(provider: GitCommitsProvider, shas: Shas) -> None:
    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        commit = provider.get_commit(shas.c3, with_diff=False)
        pane.show_trail(Trail("req-1", (Hop("commit", commit.short_sha, "resolved", "", commit),)))
        await settle(pilot)
        assert [c.sha for c in pane._rows] == [shas.c3, shas.c2, shas.c1]
        assert shown(pane) == shas.c3

    run(git_backends(provider), scenario)


class Broken(CommitsProvider):
    """A provider whose every call fails."""

    def get_commit(self, sha: str, *, with_diff: bool = True) -> Commit:
        raise NotFound(f"no commit {sha}", provider="fake")

    def history(
        self, start: str, *, first_parent: bool = False, page_size: int = 300, stats: bool = False
    ) -> Iterator[list[Commit]]:
        raise Unavailable("network down", provider="fake")

    def between(self, old: str, new: str, *, page_size: int = 300) -> Iterator[list[Commit]]:
        raise Unavailable("network down", provider="fake")


def test_provider_errors_are_shown_and_the_app_keeps_running() -> None:
    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        error = rendered(pane, "error")
        assert "Unavailable: fake: network down" in error and "Press r to retry" in error
        pane.go_to(Location("commits", "abc123"))
        await settle(pilot)
        assert "Not found: fake: no commit abc123" in rendered(pane, "error")
        await press(pilot, "r", "p", "g", "y", "D", "slash", "x", "enter")
        assert pilot.app.is_running and "network down" in rendered(pane, "error")

    run(Backends(profile="t", commits=Broken()), scenario)


def test_missing_provider_is_explained() -> None:
    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        error = rendered(pane, "error")
        assert "git: no such folder: /nowhere" in error
        await press(pilot, "p", "y", "r")
        assert pilot.app.is_running

    run(Backends(profile="t", problems={"commits": "git: no such folder: /nowhere"}), scenario)


# --- pure helpers ------------------------------------------------------------------------

WHEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def commit(sha: str, *parents: str, message: str = "subject", author: str = "Ada") -> Commit:
    person = Person(author, f"{author.lower()}@example.com")
    return Commit(sha, parents, person, WHEN, person, WHEN, message)


def test_osc52_is_the_plain_sequence() -> None:
    assert commitview.osc52("abc") == "\x1b]52;c;YWJj\x07"


def test_marks_toggle_and_are_exclusive() -> None:
    marks = Marks().mark("good", "a")
    assert marks == Marks(good="a") and marks.of("a") == "good" and not marks.complete
    assert marks.mark("good", "a") == Marks()
    assert marks.mark("bad", "a") == Marks(bad="a")
    both = marks.mark("bad", "b")
    assert both.complete and both.of("b") == "bad" and both.of("c") is None


def test_ancestry_path_keeps_descendants_of_good() -> None:
    # good=g; side branch s forked before g and merged at m; x is the bad tip
    commits = [commit("x", "m"), commit("m", "d", "s"), commit("d", "g"), commit("s", "o")]
    assert [c.sha for c in commitview.ancestry_path(commits, "g")] == ["x", "m", "d"]
    assert commitview.ancestry_path([commit("s", "o")], "g") == []


def test_diff_order_follows_first_parents_else_takes_all() -> None:
    commits = [commit("x", "m"), commit("m", "d", "s"), commit("d", "g"), commit("s", "g")]
    assert [c.sha for c in commitview.diff_order(commits, "g", "x")] == ["d", "m", "x"]
    side = [commit("x", "s2", "g"), commit("s2", "o")]
    assert [c.sha for c in commitview.diff_order(side, "g", "x")] == ["s2", "x"]


def test_filter_matches_message_and_author_case_insensitively() -> None:
    commits = [commit("1", message="Fix Bug"), commit("2", author="Bob"), commit("3")]
    assert [c.sha for c in commitview.filter_commits(commits, "fix bug")] == ["1"]
    assert [c.sha for c in commitview.filter_commits(commits, "BOB@")] == ["2"]
    assert len(commitview.filter_commits(commits, "")) == 3


def test_range_status_lines() -> None:
    assert commitview.range_status(Marks(), None) == ""
    assert "mark a bad commit with b" in commitview.range_status(Marks(good="g" * 40), None)
    assert "mark a good commit with g" in commitview.range_status(Marks(bad="b" * 40), None)
    both = Marks(good="g" * 40, bad="b" * 40)
    assert (
        commitview.range_status(both, 1) == f"1 commit between good {'g' * 10} and bad {'b' * 10}"
    )
    assert "not an ancestor" in commitview.range_status(both, 0)


def test_diff_text_escapes_controls_and_names_binary_files() -> None:
    files = (
        FileChange("a.txt", None, "modified", 1, 0, False, "+\x1b[31mx\n"),
        FileChange("b.png", None, "added", None, None, True),
    )
    text = commitview.diff_text(replace(commit("s"), files=files))
    assert text == "+\\x1b[31mx\nBinary file b.png added\n"
    assert commitview.diff_text(commit("e")) == "(no changes)\n"
