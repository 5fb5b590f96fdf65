"""Line history and blame on a notebook cell's line: the line shown cell by cell is found in
the file (a Databricks source notebook through its COMMAND/MAGIC structure, an indented
.ipynb at the JSON line holding it); a one-line .ipynb says why not.  Repositories made by
git; the screen read at 80x24."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from consoleapp import screen_text
from gitrepo import GitRepo
from test_commits_pane import Host, git_backends, press, settle
from textual.pilot import Pilot

from providers.git.provider import GitCommitsProvider
from providers.records import Commit
from tui.panes.commits import CommitsPane
from tui.render.commitview import diff_text
from tui.render.difflines import diff_line_at
from tui.render.history import Location
from tui.render.notebookdiff import notebook_commit
from tui.render.notebooklines import CellLine, locate

pytestmark = pytest.mark.timeout(120)

SOURCE = (
    "# Databricks notebook source\n# MAGIC %md\n# MAGIC # Score\n\n# COMMAND ----------\n\n"
    "# DBTITLE 1,Load\n\n\ndf = load()\nlimit = 10\n\n# COMMAND ----------\n\n"
    "# MAGIC %sql\n# MAGIC SELECT *\n# MAGIC FROM scores WHERE x > 1\n"
)


def code(source: str) -> dict[str, Any]:
    lines = source.splitlines(keepends=True)
    return {"cell_type": "code", "source": lines, "metadata": {}, "outputs": []}


def notebook(*sources: str, indent: int | None = 1) -> str:
    cells = [{"cell_type": "markdown", "source": ["# Train"], "metadata": {}}]
    body = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}
    body["cells"] += [code(s) for s in sources]
    return json.dumps(body, indent=indent) + ("\n" if indent else "")


FIT = "df = load()\nlimit = 10\nfit(df)\n"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = GitRepo(tmp_path_factory.mktemp("nblines") / "repo")
    repo.commit(
        "Add notebooks",
        {
            "score.py": SOURCE,
            "train.ipynb": notebook(FIT),
            "one.ipynb": notebook(FIT, indent=None),
        },
    )
    repo.commit(  # a cell added above the changed one; a MAGIC line changed
        "Retune",
        {
            "score.py": SOURCE.replace("limit = 10", "limit = 12").replace("x > 1", "x > 2"),
            "train.ipynb": notebook("import os\n", FIT.replace("10", "12")),
            "one.ipynb": notebook(FIT.replace("10", "12"), indent=None),
        },
    )
    return repo


@pytest.fixture
def provider(repo: GitRepo) -> Iterator[GitCommitsProvider]:
    opened = GitCommitsProvider(repo.path)
    yield opened
    opened.close()


def rendered(provider: GitCommitsProvider) -> Commit:
    commit = provider.get_commit(provider.get_commit("HEAD", with_diff=False).sha)
    return notebook_commit(commit, provider.file_at, show_hidden=False)


def cell_lines(commit: Commit, path: str) -> list[tuple[str, CellLine]]:
    """Every source line the rendering of ``path`` shows, with what it is."""
    out = []
    for index, line in enumerate(diff_text(commit).split("\n")):
        found = diff_line_at(commit, index)
        if isinstance(found, CellLine) and found.path == path and line[:1] in "+- ":
            out.append((line, found))
    return out


def file_line(provider: GitCommitsProvider, commit: Commit, found: CellLine) -> tuple[int, str]:
    rev = commit.parents[0] if found.removed else commit.sha
    content = provider.file_at(rev, found.path)
    number = locate(found, content)
    assert isinstance(number, int), number
    assert content is not None
    return number, content.decode().split("\n")[number - 1]


def test_databricks_cell_lines_are_the_file_lines_magic_included(
    provider: GitCommitsProvider,
) -> None:
    commit = rendered(provider)
    shown = cell_lines(commit, "score.py")
    assert [line for line, _ in shown if line[0] != " "] == [
        "-limit = 10",
        "+limit = 12",
        "-FROM scores WHERE x > 1",
        "+FROM scores WHERE x > 2",
    ]
    for line, found in shown:  # every shown source line is its file line, MAGIC unwrapped
        _, text = file_line(provider, commit, found)
        assert text.removeprefix("# MAGIC ") == line[1:]
    numbers = {line: file_line(provider, commit, found)[0] for line, found in shown}
    assert numbers["+limit = 12"] == numbers["-limit = 10"] == 11  # blank lines dropped
    assert numbers["+FROM scores WHERE x > 2"] == 17
    cell = dict(shown)["+limit = 12"]
    assert (cell.cell, cell.line, cell.removed) == (2, 2, False)


def test_ipynb_cell_lines_are_the_json_lines_holding_them(provider: GitCommitsProvider) -> None:
    commit = rendered(provider)
    shown = cell_lines(commit, "train.ipynb")
    assert [line for line, _ in shown if line[0] != " "] == [
        "+import os",
        "-limit = 10",
        "+limit = 12",
    ]
    for line, found in shown:  # the JSON line holds exactly that line's string
        _, text = file_line(provider, commit, found)
        assert json.loads(text.strip().removesuffix(",")).removesuffix("\n") == line[1:]
    old = dict(shown)["-limit = 10"]
    assert (old.cell, old.line, old.removed) == (None, 2, True)  # found by its source
    assert (
        file_line(provider, commit, old)[0]
        != file_line(provider, commit, dict(shown)["+limit = 12"])[0]
    )


def test_a_one_line_ipynb_says_why_its_lines_cannot_be_blamed(
    provider: GitCommitsProvider,
) -> None:
    commit = rendered(provider)
    found = dict(cell_lines(commit, "one.ipynb"))["+limit = 12"]
    why = locate(found, provider.file_at(commit.sha, "one.ipynb"))
    assert isinstance(why, str) and "one.ipynb is one line of JSON" in why


def test_a_cell_whose_source_is_not_in_the_file_is_said(provider: GitCommitsProvider) -> None:
    commit = rendered(provider)
    found = dict(cell_lines(commit, "score.py"))["+limit = 12"]
    why = locate(found, provider.file_at(commit.parents[0], "score.py"))  # the wrong side
    assert why == "no cell of score.py there has this cell's source: cannot tell its line."


def test_L_and_B_on_cell_lines_at_80x24(repo: GitRepo, provider: GitCommitsProvider) -> None:
    head = repo.head()

    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        pane.go_to(Location("commits", head))
        await settle(pilot)
        await press(pilot, "v", "right_curly_bracket")  # one.ipynb's cell (files sorted)
        await press(pilot, "B")
        assert "one.ipynb is one line of JSON" in screen_text(pilot).replace("\n", " ")
        await press(pilot, "right_curly_bracket", "L")  # score.py's cell 2
        screen = screen_text(pilot)
        assert f"History of score.py:11 (cell 2, line 2) at {head[:10]}" in screen, screen
        assert "Retune" in screen and "Add notebooks" in screen
        await press(pilot, "escape", *["right_curly_bracket"] * 3, "B")  # train.ipynb's new cell
        screen = screen_text(pilot)
        assert f"Blame of train.ipynb:16 (cell 2, line 1) at {head[:10]}" in screen, screen
        assert f"{head[:8]} 2023" in screen and '16     "import os\\n"' in screen

    async def main() -> None:
        app = Host(git_backends(provider))
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            await scenario(pilot, app.query_one(CommitsPane))

    asyncio.run(main())
