"""A run's training evidence as text: what it trained on (job inputs, MLflow datasets),
its environment (image, conda packages as pinned), code snapshot, compute and outputs, and
the cross-check with the build's data folders.  Lines wrap; data text is never markup.
"""

from __future__ import annotations

from rich.text import Text

from providers.records import Build, RunInput, TrainingRun
from providers.trail.resolver import Trail
from providers.trail.training_inputs import cross_check
from tui.render.plain import safe_text


def code_label(code: str | None) -> str:
    """A code snapshot as ``snapshot NAME version V`` (its ARM id is in the record)."""
    if not code:
        return "no code snapshot recorded"
    if "/codes/" in code and "/versions/" in code:
        name, version = code.rsplit("/codes/", 1)[1].split("/versions/", 1)
        return f"snapshot {name} version {version.strip('/')}"
    return code


def _input_lines(found: RunInput) -> list[str]:
    """``name · kind · origin``, then where it reads (the reference, then the path) and
    what is said about it, each on its own indented line (a URI alone fits 80 columns
    best)."""
    lines = [f"  {found.name} · {found.kind} · {found.origin}"]
    lines += [f"    {part}" for part in (found.asset, found.uri, found.note) if part]
    return lines


def training_text(run: TrainingRun, cross_check: str = "") -> Text:
    """The run's inputs, setup and outputs, one fact per line, and ``cross_check``."""
    text = Text()
    text.append("trained on\n", style="bold")
    if run.inputs:
        for found in run.inputs:
            text.append("".join(safe_text(line) + "\n" for line in _input_lines(found)))
    else:
        text.append("  no inputs recorded (job inputs, MLflow datasets)\n", style="dim")
    setup = run.setup
    if setup is not None:
        text.append("environment ", style="bold")
        text.append(safe_text(setup.environment or "?") + "\n")
        if setup.image:
            text.append(f"  image {safe_text(setup.image)}\n")
        if setup.note:
            text.append(f"  {safe_text(setup.note)}\n", style="dim")
        if setup.packages:
            text.append(f"  packages: {safe_text(', '.join(setup.packages))}\n")
        text.append("code ", style="bold")
        text.append(f"{safe_text(code_label(setup.code))}\n")
        text.append("compute ", style="bold")
        text.append(f"{safe_text(setup.compute or '?')}\n")
    for name, uri in sorted(run.outputs.items()):
        text.append("output ", style="bold")
        text.append(f"{safe_text(name)} · {safe_text(uri)}\n")
    if cross_check:
        text.append("build data folders ", style="bold")
        text.append(safe_text(cross_check) + "\n")
    text.rstrip()
    return text


def training_of(run: TrainingRun | None, trail: Trail | None) -> Text:
    """The run's training evidence; cross-checked with the build of ``trail`` when the
    trail's run is this run (nothing while the run is loading)."""
    if run is None:
        return Text("")
    run_hop, build_hop = (trail.hop("run"), trail.hop("build")) if trail else (None, None)
    traced = run_hop is not None and getattr(run_hop.record, "run_id", None) == run.run_id
    build = build_hop.record if build_hop and isinstance(build_hop.record, Build) else None
    return training_text(run, cross_check(run, build).sentence if traced else "")
