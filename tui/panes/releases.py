"""Releases: releases with their stages, the build and artifact behind each, and task logs."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from providers.records import Build, Release, ReleaseTask
from providers.trail.resolver import Trail
from tui.panes.base import Evidence, Pane
from tui.panes.release_data import BuildData
from tui.render.data_evidence import folder_lines, times_checked
from tui.render.history import Location
from tui.render.plain import safe_text
from tui.render.rows import release_cells, when
from tui.widgets.detail import DetailView

COLUMNS = ("Id", "Release", "Status", "Model", "Build", "Stages")


class ReleasesPane(Pane):
    """Releases and builds: stages and deploy times, artifact contents, step logs."""

    pane_id = "releases"
    title = "Releases"
    hops = ("release", "build", "data")
    help_text = (
        "l shows the next task's log below the detail; / searches the log, n finds again.  "
        "g marks the selected release as last good; on a later release, x shows the commits "
        "between the two builds (the change set that shipped) in the Commits pane.  t diffs "
        "the training data of the release's model version against the version before it "
        "(the Models compare, with its data diff shown)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l", "next_log", "Log", id="releases.log"),
        Binding("slash", "search_log", "Search log", show=False, id="releases.search"),
        Binding("n", "find_next", "Next match", show=False, id="releases.next"),
        Binding("g", "mark_good", "Mark last good", show=False, id="releases.mark"),
        Binding("x", "between", "Commits", id="releases.between"),
        Binding("t", "data_diff", "Data diff", id="releases.data_diff"),
        Binding("r", "reload", "Refresh", show=False, id="releases.refresh"),
    ]

    class RangeRequested(Message):
        """Show the commits between two builds' commits (the change set that shipped)."""

        def __init__(self, good: str, bad: str) -> None:
            super().__init__()
            self.good = good
            self.bad = bad

    class DataDiffRequested(Message):
        """Diff the training data of ``key`` (``name:version``) against the version before it."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.releases: list[Release] = []
        self.builds: dict[int, Build] = {}
        self.traced: int | None = None
        self.good: Release | None = None
        self.task_index = -1
        self.needle = ""
        self.log_lines: list[str] = []
        self.match_line = -1
        self.build_data = BuildData()

    def compose(self) -> ComposeResult:
        yield self.compose_error()
        table: DataTable[Text] = DataTable(id="release-table", cursor_type="row")
        table.add_columns(*COLUMNS)
        yield table
        yield Input(placeholder="search the log …", id="log-search")
        with DetailView(id="release-detail"):
            yield Static("", id="release-info")
            yield Static("", id="release-log", markup=False)

    def on_mount(self) -> None:
        self.query_one("#log-search", Input).display = False
        super().on_mount()

    def focus_body(self) -> None:
        self.query_one("#release-table", DataTable).focus()

    def on_show(self) -> None:
        """The list may have been filled while the pane was hidden, with no height to
        scroll by: show the cursor's release with the list scrolled as little as possible."""
        self.call_after_refresh(self._reveal_cursor)

    def _reveal_cursor(self) -> None:
        table: DataTable[Text] = self.query_one("#release-table", DataTable)
        table.scroll_home(animate=False, immediate=True)
        table.move_cursor(row=table.cursor_row)

    @property
    def selected(self) -> Release | None:
        row = self.query_one("#release-table", DataTable).cursor_row
        return self.releases[row] if 0 <= row < len(self.releases) else None

    # -- loading -----------------------------------------------------------------------

    def reload(self) -> None:
        provider = self.session.backends.releases
        if provider is None:
            self.report_missing("releases")
            return
        self.call_provider(lambda: provider.list_releases(top=200), self._show)

    def _show(self, releases: list[Release]) -> None:
        self.releases = releases
        table: DataTable[Text] = self.query_one("#release-table", DataTable)
        table.clear()
        for release in releases:
            mark = release.release_id == self.traced
            good = self.good is not None and release.release_id == self.good.release_id
            prefix = "▶ " if mark else "✓ " if good else ""
            cells = release_cells(release)
            table.add_row(
                *(
                    Text((prefix if i == 0 else "") + c, style="bold" if mark else "")
                    for i, c in enumerate(cells)
                ),
            )
        self._select(self.traced)

    def _select(self, release_id: int | None) -> None:
        for index, release in enumerate(self.releases):
            if release.release_id == release_id:
                self.query_one("#release-table", DataTable).move_cursor(row=index)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        release = self.selected
        if release is None:
            return
        self.task_index = -1
        self._detail(release)
        provider = self.session.backends.releases
        if release.build_id is not None and release.build_id not in self.builds and provider:
            build_id = release.build_id
            self.call_provider(
                lambda: provider.get_build(build_id), self._build_loaded, group="build"
            )

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        release = self.selected
        if release is not None:
            self.post_message(
                self.Visited(Location("releases", str(release.release_id), release.name))
            )

    def _build_loaded(self, build: Build) -> None:
        self.builds[build.build_id] = build
        self._redraw()
        self.build_data.load(self, build, self._redraw)

    def _redraw(self) -> None:
        if self.selected is not None:
            self._detail(self.selected)

    # -- detail ------------------------------------------------------------------------

    def _detail(self, release: Release) -> None:
        text = Text()

        def line(label: str, value: str) -> None:
            text.append(f"{label:>14}: ", style="bold")
            text.append(safe_text(value) + "\n")

        line("Release", f"{release.name} ({release.definition}), {release.status}")
        line("Created", f"{when(release.created_at)} by {release.created_by or '?'}")
        if release.target:
            t = release.target
            line(
                "Deployed",
                f"{t.model_name}:{t.model_version} image {t.image} to "
                f"{t.endpoint}/{t.deployment}  [rule: {t.rule}]",
            )
        for env in release.environments:
            line(f"stage {env.name}", f"{env.status} at {when(env.deployed_at)}")
        for number, (_, task) in enumerate(self._tasks(release), start=1):
            line(f"task {number}", f"{task.name} ({task.status})")
        build = self.builds.get(release.build_id or -1)
        if build is None:
            line("Build", f"{release.build_number or '?'} (loading …)")
        else:
            line("Build", f"{build.number} of {build.definition}, {build.result or build.status}")
            line("Commit", f"{build.source_commit or '?'} on {build.branch or '?'}")
            for artifact in build.artifacts:
                line("artifact", f"{artifact.name}: commit {artifact.commit or '?'}")
                data = self.build_data.by_build.get(build.build_id)
                if data is None or data.artifact.name != artifact.name or not data.folders:
                    for folder in artifact.data_folders:
                        line("data folder", folder)
                    continue
                line("data checked", times_checked(data))
                for evidence in data.folders:
                    name, *said = folder_lines(evidence)
                    line("data folder", name)
                    text.append("".join(f"{'':>14}{x}\n" for x in said))
        if self.good is not None:
            line("Last good", f"{self.good.name} (press x on a later release)")
        self.query_one("#release-info", Static).update(text)

    @staticmethod
    def _tasks(release: Release) -> list[tuple[int, ReleaseTask]]:
        return [(env.env_id, task) for env in release.environments for task in env.tasks]

    # -- logs --------------------------------------------------------------------------

    def action_next_log(self) -> None:
        release, provider = self.selected, self.session.backends.releases
        if release is None or provider is None:
            return
        tasks = self._tasks(release)
        if not tasks:
            self.notify("This release has no task logs.")
            return
        self.task_index = (self.task_index + 1) % len(tasks)
        env_id, task = tasks[self.task_index]
        rid = release.release_id

        def fetch() -> str:
            return provider.get_task_log(rid, env_id, task.phase_id or 0, task.task_id)

        self.call_provider(fetch, lambda text: self._show_log(task, text), group="log")

    def _show_log(self, task: ReleaseTask, text: str) -> None:
        """Show the log below the release's detail and scroll the detail to it."""
        self.log_lines = [f"── {safe_text(task.name)} ──", *safe_text(text).splitlines()]
        self.query_one("#release-log", Static).update(
            Text("\n".join(self.log_lines), no_wrap=True, overflow="ignore")
        )
        self.match_line = -1
        self.call_after_refresh(self._scroll_log_to, 0)

    def _scroll_log_to(self, line: int) -> None:
        log = self.query_one("#release-log", Static)
        detail = self.query_one("#release-detail", DetailView)
        detail.scroll_to(y=log.virtual_region.y + line, animate=False)

    def action_search_log(self) -> None:
        bar = self.query_one("#log-search", Input)
        bar.display = True
        bar.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.needle = event.value
        event.input.display = False
        self.match_line = -1
        self.action_find_next()
        self.focus_body()

    def action_find_next(self) -> None:
        if not self.needle:
            return
        lines = self.log_lines
        for index in range(self.match_line + 1, len(lines)):
            if self.needle.lower() in lines[index].lower():
                self.match_line = index
                self._scroll_log_to(index)
                self.notify(f"line {index + 1}: {lines[index][:60]}", timeout=3)
                return
        self.notify(f"{self.needle!r} not found below.", timeout=3)
        self.match_line = -1

    # -- between releases ----------------------------------------------------------------

    def action_mark_good(self) -> None:
        self.good = self.selected
        if self.good is not None:
            self.notify(f"{self.good.name} marked as last good.")
            self._show(self.releases)

    def action_between(self) -> None:
        bad, good = self.selected, self.good
        if bad is None or good is None:
            self.notify("Mark the last good release with g first.", severity="warning")
            return
        old, new = self._commit_of(good), self._commit_of(bad)
        if not old or not new:
            self.notify(
                "Both releases' builds must be loaded (select each once).", severity="warning"
            )
            return
        self.post_message(self.RangeRequested(old, new))

    def action_data_diff(self) -> None:
        """Diff the training data of the release's model version against the previous one."""
        release = self.selected
        if release is None:
            return
        if release.target is None:
            self.notify("This release names no model version to diff.", severity="warning")
            return
        key = f"{release.target.model_name}:{release.target.model_version}"
        self.post_message(self.DataDiffRequested(key))

    def evidence(self) -> Evidence | None:
        release = self.selected
        if release is None:
            return None
        build = self.builds.get(release.build_id) if release.build_id is not None else None
        return Evidence(
            "release", str(release.release_id), release.name, lambda: (release, [build])
        )

    def _commit_of(self, release: Release) -> str | None:
        build = self.builds.get(release.build_id or -1)
        return build.source_commit if build else release.commit

    # -- trail -------------------------------------------------------------------------

    def show_trail(self, trail: Trail) -> None:
        hop = trail.hop("release")
        build = trail.hop("build")
        if build is not None and isinstance(build.record, Build):
            self.builds[build.record.build_id] = build.record
        self.build_data.from_trail(trail)
        if hop is not None and isinstance(hop.record, Release):
            self.traced = hop.record.release_id
            if self.releases:
                self._show(self.releases)

    def go_to(self, location: Location) -> None:
        if location.key.isdigit():
            self._select(int(location.key))
        self.focus_body()
