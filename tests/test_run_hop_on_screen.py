"""The run hop's training-data cross-check on screen at 80x24, by documented keys only:
a training job that read another data folder than its build lists makes the run hop
uncertain, and the trail view (w) says which folder each side names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from consoleapp import quiet
from test_trail_on_screen import drive, read_on, trace
from textual.pilot import Pilot

from providers.config import Profile, ProviderSpec, workspace_profile
from tui.console.app import ModeltrailApp
from tui.console.launch import build_app
from tui.demo.workspace import DemoCase

RUN = "mortgage-train-20260810-04"
BUILT = "training-data/applications/2026-08-01T000000Z"
READ = "training-data/applications/2026-07-01T000000Z"


def job_reading_another_folder(workspace: Path, case: DemoCase, tmp_path: Path) -> ModeltrailApp:
    """The demo, its models served from a copy of its documents where the job of run RUN
    (mortgage:4's) read the July applications folder, while its build lists August's."""
    docs = tmp_path / "docs"
    shutil.copytree(workspace / "docs", docs)
    job = docs / f"azureml/jobs/{RUN}.json"
    doc = json.loads(job.read_text())
    applications = doc["properties"]["inputs"]["applications"]
    assert BUILT in applications["uri"]
    applications["uri"] = applications["uri"].replace(BUILT, READ)
    job.write_text(json.dumps(doc))
    base = workspace_profile(workspace, "demo")
    models = ProviderSpec("local-rest", {"path": str(docs)})
    profile = Profile("demo", base.base_dir, {**base.concerns, "models": models}, "demo")
    day = case.logged_at[:10]
    return build_app(profile, initial_query=f"from:{day} to:{day}", initial_select=case.request_id)


def test_a_run_that_read_other_data_than_its_build_lists_is_uncertain_on_screen(
    demo: tuple[Path, DemoCase], tmp_path: Path
) -> None:
    async def steps(pilot: Pilot[None]) -> None:
        await trace(pilot)
        await pilot.press("w")
        await quiet(pilot)
        seen = await read_on(pilot, 3)
        assert (  # the hop marked uncertain (~), with the folder the build lists
            f"~ run {RUN} (uncertain) why: model mortgage:4 was produced by run {RUN} "
            "(FINISHED); training data DISAGREE: artifact model-meta of build 20260810.1 lists "
            f"{BUILT}, which no input of the"
        ) in seen
        assert (  # … and the folder the job read (its long URI wrapped at 80 columns)
            "the run read applications (azureml://datastores/workspaceblobstore/paths/"
            "training-data/applications/20 26-07-01T000000Z/), which artifact model-meta of "
            "build 20260810.1 does not list"
        ) in seen
        assert "Trail complete." in seen  # uncertain is not unresolved

    drive(job_reading_another_folder(*demo, tmp_path), (80, 24), steps)
