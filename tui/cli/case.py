"""``modeltrail case …``: start, list, open, export and verify cases.

Imported only when a case command runs, so the CLI's start path stays light; the
arguments are declared in :mod:`tui.cli`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from providers.config import Config, Profile, case_settings, workspace_profile
from providers.errors import ProviderError
from tui.cases.case_folder import CaseStore
from tui.cases.exports import SUFFIX, export_case, write_report
from tui.cases.model import Case
from tui.cases.verify import verify_file
from tui.console.launch import workspace_of
from tui.render.plain import echo

EXIT_TAMPERED = 1

ProfileOf = Callable[[argparse.Namespace], Profile]


def run_case_command(
    args: argparse.Namespace,
    config: Config,
    profile_of: ProfileOf,
    run_console: Callable[[Profile, Case], int],
    version: str,
) -> int:
    """Run ``modeltrail case <command>``; returns the exit status."""
    store = CaseStore()
    command = args.case_command
    if command == "verify":
        return _verify(args)
    if command == "list":
        return _list(store)
    if command == "new":
        return _new(args, store, profile_of)
    case = store.load(args.name)
    if command == "open":
        return run_console(_profile_for(case, args, config, profile_of), case)
    text = export_case(
        case,
        args.format,
        case_settings(config.case),
        include_personal_data=args.include_personal_data,
        exporter=f"modeltrail {version}",
    )
    if args.out is not None and str(args.out) == "-":
        sys.stdout.write(text)
        return 0
    out = args.out or store.export_path(f"{case.name}{SUFFIX[args.format]}")
    echo(str(write_report(out, text)))
    return 0


def _new(args: argparse.Namespace, store: CaseStore, profile_of: ProfileOf) -> int:
    try:
        profile: Profile | None = profile_of(args)
    except ProviderError:  # a case can be started before any profile is set up
        profile = None
    case = Case.new(
        args.name,
        question=args.question,
        profile=profile.name if profile else "",
        workspace=workspace_of(profile) if profile else None,
    )
    path = store.create(case)
    echo(f"Started case {case.name} ({path}); open it with: modeltrail case open {case.name}")
    return 0


def _list(store: CaseStore) -> int:
    entries = store.entries()
    if not entries:
        echo(f"No case in {store.root}; start one with: modeltrail case new NAME")
    for entry in entries:
        case = entry.case
        if case is None:
            echo(f"{entry.name}  UNREADABLE: {entry.error}")
            continue
        hops = len(case.trail.hops) if case.trail else 0
        echo(
            f"{case.name}  updated {case.updated_at:%Y-%m-%d %H:%M}  profile {case.profile or '?'}"
            f"  {hops} hops, {len(case.bookmarks)} bookmarks, {len(case.notes)} notes"
            + (f"  — {case.question}" if case.question else "")
        )
    return 0


def _verify(args: argparse.Namespace) -> int:
    verdict = verify_file(args.file, args.manifest)
    if verdict.ok:
        echo(
            f"{args.file}: intact ({verdict.fmt}, {verdict.items} evidence items, "
            f"manifest {verdict.manifest})"
        )
        return 0
    for change in verdict.changed:
        echo(f"modeltrail: {args.file}: changed: {change}", err=True)
    return EXIT_TAMPERED


def _profile_for(
    case: Case, args: argparse.Namespace, config: Config, profile_of: ProfileOf
) -> Profile:
    """The profile given on the command line, else the case's own (workspace or name)."""
    if getattr(args, "workspace", None) or args.profile:
        return profile_of(args)
    if case.workspace and Path(case.workspace).is_dir():
        return workspace_profile(Path(case.workspace), case.profile or "workspace")
    if case.profile in config.profiles:
        return config.profiles[case.profile]
    return profile_of(args)
