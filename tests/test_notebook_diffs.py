"""Notebook diffs cell by cell in the Commits pane: .ipynb (indented and one-line JSON) and
Databricks source notebooks, committed with git; additions, removals, moves, output-only
changes and hostile text; the screen read at 80x24."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from consoleapp import screen_text
from gitrepo import GitRepo
from test_commits_pane import Host, git_backends, press, settle
from textual.pilot import Pilot

from providers.git.provider import GitCommitsProvider
from tui.panes.commits import CommitsPane
from tui.render.commitview import diff_text
from tui.render.history import Location
from tui.render.notebookdiff import NOTEBOOK_HEADER, databricks_cells, notebook_commit

pytestmark = pytest.mark.timeout(120)


def code(source: str, count: int | None = None, out: str = "") -> dict[str, Any]:
    outputs = [{"output_type": "stream", "name": "stdout", "text": out}] if out else []
    return {
        "cell_type": "code",
        "source": source.splitlines(keepends=True),
        "execution_count": count,
        "outputs": outputs,
        "metadata": {},
    }


def markdown(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "source": source, "metadata": {}}


def notebook(*cells: dict[str, Any], indent: int | None = 1, meta: int = 1) -> str:
    body = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"application/vnd.databricks.v1+notebook": {"notebookName": "t", "v": meta}},
        "cells": list(cells),
    }
    return json.dumps(body, indent=indent)


LOAD = "df = load('loans')\n"
FIT = "threshold = 0.50\nmodel.fit(df)\n"
EVIL = "print('\x1b[2J[bold]x[/bold]')\n"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    repo = GitRepo(tmp_path_factory.mktemp("nb") / "repo")
    repo.commit(
        "Add notebook", {"train.ipynb": notebook(markdown("# Train"), code(LOAD), code(FIT))}
    )
    repo.commit(  # threshold changed, a cell added, the load cell moved below the fit
        "Retune",
        {
            "train.ipynb": notebook(
                markdown("# Train"),
                code(FIT.replace("0.50", "0.62")),
                code(LOAD),
                code("report()\n"),
            )
        },
    )
    repo.commit(  # outputs, execution counts and notebook metadata only; one-line JSON
        "Run it",
        {
            "train.ipynb": notebook(
                markdown("# Train"),
                code(FIT.replace("0.50", "0.62"), 3, "ok\n"),
                code(LOAD, 4),
                code("report()\n", 5),
                indent=None,
                meta=2,
            )
        },
    )
    repo.commit(  # the report cell removed, a hostile one added
        "Drop report",
        {
            "train.ipynb": notebook(
                markdown("# Train"),
                code(FIT.replace("0.50", "0.62"), 3, "ok\n"),
                code(LOAD, 4),
                code(EVIL),
                indent=None,
                meta=2,
            )
        },
    )
    source = (
        "# Databricks notebook source\n# MAGIC %md\n# MAGIC # Score\n\n# COMMAND ----------\n\n"
    )
    repo.commit("Databricks notebook", {"score.py": source + "threshold = 0.50\n"})
    repo.commit(
        "Databricks retune",
        {
            "score.py": source + "threshold = 0.62\n\n# COMMAND ----------\n\n# MAGIC %sql\n"
            "# MAGIC SELECT * FROM scores\n"
        },
    )
    return repo


@pytest.fixture
def provider(repo: GitRepo) -> Iterator[GitCommitsProvider]:
    opened = GitCommitsProvider(repo.path)
    yield opened
    opened.close()


def shown(provider: GitCommitsProvider, rev: str, *, hidden: bool = False) -> str:
    commit = provider.get_commit(provider.get_commit(rev, with_diff=False).sha)
    return diff_text(notebook_commit(commit, provider.file_at, show_hidden=hidden))


def test_a_source_change_an_added_cell_and_a_moved_cell(provider: GitCommitsProvider) -> None:
    text = shown(provider, "HEAD~4")
    assert text.startswith(NOTEBOOK_HEADER + "train.ipynb: cell by cell")
    assert "-threshold = 0.50\n+threshold = 0.62\n model.fit(df)" in text
    assert "@@ cell 3 → 2 (code) moved and changed @@\n-threshold = 0.50\n+threshold = 0.62" in text
    assert "@@ cell 4 (code) added @@\n+report()\n" in text
    assert '"cell_type"' not in text  # no JSON text lines


def test_without_nbdime_a_notebook_keeps_gits_patch_and_says_what_to_install(
    provider: GitCommitsProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """nbdime is an optional extra: without it the patch is git's, with the extra named."""
    monkeypatch.setitem(sys.modules, "nbdime.diffing.notebooks", None)
    text = shown(provider, "HEAD~4")
    assert "modeltrail[notebooks]" in text
    assert '"cell_type"' in text  # git's JSON patch follows


def test_output_only_changes_are_hidden_and_said_and_o_shows_them(
    provider: GitCommitsProvider,
) -> None:
    text = shown(provider, "HEAD~3")  # one-line JSON on the new side: still cell by cell
    assert "+threshold" not in text and "-threshold" not in text
    assert "(only its outputs, execution count changed: hidden, o shows them)" in text
    assert "(the notebook's metadata changed: hidden, o shows it)" in text
    full = shown(provider, "HEAD~3", hidden=True)
    assert " [outputs]\n+ok" in full and " [execution count]\n+3" in full
    assert '-   "v": 1\n+   "v": 2' in full


def test_a_removed_cell_and_hostile_source_shown_literally(provider: GitCommitsProvider) -> None:
    text = shown(provider, "HEAD~2")
    assert "@@ cell 4 (code) removed @@\n-report()\n" in text
    assert "@@ cell 4 (code) added @@\n+print('\\x1b[2J[bold]x[/bold]')\n" in text
    assert "\x1b" not in text


def test_databricks_source_cells_with_magic_unwrapped(provider: GitCommitsProvider) -> None:
    text = shown(provider, "HEAD")
    assert text.startswith(NOTEBOOK_HEADER + "score.py")
    assert "@@ cell 2 (code) changed @@\n-threshold = 0.50\n+threshold = 0.62" in text
    assert "@@ cell 3 (%sql) added @@\n+%sql\n+SELECT * FROM scores" in text
    assert "# MAGIC" not in text and "COMMAND" not in text


def test_databricks_cells_keep_titles_as_metadata() -> None:
    cells = databricks_cells(
        "-- Databricks notebook source\n-- DBTITLE 1,Scores\nSELECT 1\n\n-- COMMAND ----------\n"
        "-- MAGIC %md\n-- MAGIC # Notes",
        "--",
    )
    assert [(c["cell_type"], c["source"]) for c in cells] == [
        ("code", "SELECT 1"),
        ("markdown", "%md\n# Notes"),
    ]
    assert cells[0]["metadata"] == {"title": "Scores"}


def test_a_file_that_is_not_a_notebook_keeps_gits_patch(tmp_path: Any) -> None:
    repo = GitRepo(tmp_path / "r")
    repo.commit("one", {"bad.ipynb": "{not json\n", "plain.py": "x = 1\n"})
    repo.commit("two", {"bad.ipynb": "{still not\n", "plain.py": "x = 2\n"})
    opened = GitCommitsProvider(repo.path)
    try:
        text = shown(opened, "HEAD")
    finally:
        opened.close()
    assert "(not readable as a notebook: " in text and "+{still not" in text
    assert "-x = 1\n+x = 2" in text and NOTEBOOK_HEADER + "plain.py" not in text


def test_the_pane_shows_cells_at_80x24_and_o_toggles_outputs(
    repo: GitRepo, provider: GitCommitsProvider
) -> None:
    run_it = repo.git("rev-parse", "HEAD~3")

    async def scenario(pilot: Pilot[None], pane: CommitsPane) -> None:
        pane.go_to(Location("commits", run_it))
        await settle(pilot)
        await press(pilot, "v", "right_curly_bracket")
        screen = screen_text(pilot)
        assert "(only its outputs, execution count changed: hidden, o" in screen
        await press(pilot, "o", "right_curly_bracket")
        screen = screen_text(pilot)
        assert "[outputs]" in screen and "+ok" in screen

    async def main() -> None:
        app = Host(git_backends(provider))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await scenario(pilot, app.query_one(CommitsPane))

    asyncio.run(main())
