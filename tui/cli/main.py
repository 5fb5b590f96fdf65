"""The ``modeltrail`` command line.

Kept light on purpose: argparse and our own records only, so that ``modeltrail`` starts
fast; Textual and the providers' SDKs are imported only by the commands that need them.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

from providers.backends import Backends
from providers.config import Config, Profile, load_config, workspace_profile
from providers.errors import ProviderError
from providers.private import private_umask
from providers.safetext import json_text
from providers.serialize import to_jsonable
from tui.cli.data import add_data_options, run_data
from tui.cli.walk import add_walk_options, run_walk
from tui.render.plain import echo
from tui.render.report import trail_text

if TYPE_CHECKING:
    from tui.cases.model import Case

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # as a shell reports a run stopped by Ctrl-C


def _version() -> str:
    try:
        return version("modeltrail")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="modeltrail",
        description="Walk the audit trail of a production ML prediction, down to the commit.",
    )
    parser.add_argument("--version", action="version", version=f"modeltrail {_version()}")
    parser.add_argument("--config", type=Path, help="config file (default: user config dir)")
    parser.add_argument("--profile", help="profile of the config file to use")
    parser.add_argument(
        "--offline", action="store_true", help="serve only what is in the cache; never call out"
    )
    sub = parser.add_subparsers(dest="command")

    demo = sub.add_parser("demo", help="generate the demo workspace (first use) and open it")
    demo.add_argument("--path", type=Path, help="where the demo workspace lives")
    demo.add_argument("--no-tui", action="store_true", help="only generate; print the case")
    demo.add_argument("--regenerate", action="store_true", help="rebuild it from scratch")

    shots = sub.add_parser("screenshots", help="save an SVG of each pane of the demo")
    shots.add_argument("--path", type=Path, help="where the demo workspace lives")
    shots.add_argument("--out", type=Path, default=Path("screenshots"), help="output folder")

    trace = sub.add_parser("trace", help="print the resolved trail of a logged request")
    trace.add_argument(
        "request_id",
        metavar="ID_OR_QUERY",
        help="request id or correlation id, or a query matching one prediction "
        "(e.g. 'application_id=APP-2026-081734')",
    )
    trace.add_argument(
        "--row",
        type=int,
        metavar="N",
        help="of several predictions the id or query names (a batched record's rows), "
        "the N-th as listed",
    )
    _source_options(trace)
    trace.add_argument("--json", action="store_true", help="machine-readable output")

    search = sub.add_parser("search", help="print the logged predictions a query matches")
    search.add_argument(
        "query", help="the query bar's language, e.g. 'from:2026-08-27 decision=rejected'"
    )
    _source_options(search)
    search.add_argument("--limit", type=int, help="print at most this many")
    search.add_argument("--json", action="store_true", help="machine-readable output")

    walk = sub.add_parser(
        "walk", help="print a commit and its first-parent ancestors, or search their changes"
    )
    walk.add_argument("sha", help="commit sha (full or abbreviated) or any git revision")
    walk.add_argument("--repo", type=Path, help="any git repository on disk")
    _source_options(walk)
    add_walk_options(walk)

    data = sub.add_parser(
        "data", help="print a model version's training-data manifests, or diff two versions'"
    )
    add_data_options(data)
    _source_options(data)

    cache = sub.add_parser("cache", help="inspect or empty the local cache")
    cache_sub = cache.add_subparsers(dest="cache_command", required=True)
    cache_sub.add_parser("info", help="size, entries per kind and hit rate")
    clear = cache_sub.add_parser("clear", help="remove cached answers")
    clear.add_argument("--profile", default=argparse.SUPPRESS, help="only this profile's")
    _case_parser(sub)
    return parser


def _case_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``case new|list|open|export|verify`` (run by :mod:`tui.casecli`)."""
    case = sub.add_parser("case", help="save an investigation, reopen it, export and verify it")
    case_sub = case.add_subparsers(dest="case_command", required=True)
    new = case_sub.add_parser("new", help="start a case (recorded with the profile in use)")
    new.add_argument("name", help="letters, digits, '.', '_' and '-'")
    new.add_argument("--question", default="", help="the auditor's question")
    _source_options(new)
    case_sub.add_parser("list", help="the saved cases")
    reopen = case_sub.add_parser("open", help="open a case in the console: panes, trail, history")
    reopen.add_argument("name")
    _source_options(reopen)
    export = case_sub.add_parser("export", help="write a case's evidence report")
    export.add_argument("name")
    export.add_argument("--format", choices=("md", "json", "html"), required=True)
    export.add_argument("--out", type=Path, help="file to write ('-': standard output)")
    export.add_argument(
        "--include-personal-data",
        action="store_true",
        help="do not mask the configured personal fields of prediction payloads",
    )
    verify = case_sub.add_parser(
        "verify", help="check an exported report (exit 0 intact, 1 changed, 2 unreadable)"
    )
    verify.add_argument("file", type=Path)
    verify.add_argument("--manifest", help="the manifest SHA-256 recorded elsewhere, to compare")


def _source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", type=Path, help="a local workspace folder (as the demo)")
    # Also accepted after the sub-command; SUPPRESS keeps a value given before it.
    parser.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    parser.add_argument("--profile", default=argparse.SUPPRESS, help="profile to use")
    parser.add_argument(
        "--offline", action="store_true", default=argparse.SUPPRESS, help="cache only"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``modeltrail`` console script; returns the exit status.

    Every file and folder the run creates is private (see :mod:`providers.private`), and
    every message is printed with its unsafe characters shown as escapes.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    with private_umask():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "trace":
            return _trace(args)
        if args.command == "search":
            return _search(args)
        if args.command == "walk":
            return _walk(args)
        if args.command == "data":
            return _data(args)
        if args.command == "demo":
            return _demo(args)
        if args.command == "screenshots":
            return _screenshots(args)
        if args.command == "cache":
            return _cache(args)
        if args.command == "case":
            return _case(args)
        return _console(args)
    except ProviderError as exc:
        echo(f"modeltrail: {exc.kind}: {exc}", err=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. piped into head
        return 0


def _profile(args: argparse.Namespace) -> Profile:
    if getattr(args, "workspace", None):
        return workspace_profile(args.workspace)
    config = _config(args)
    if args.profile is None and config.default_profile is None and not config.profiles:
        from tui.demo.workspace import default_demo_path, load_case  # noqa: PLC0415

        demo = default_demo_path()
        if load_case(demo) is not None:
            return workspace_profile(demo, "demo")
        raise ProviderError(
            "no profile is configured",
            hint="run 'modeltrail demo' to try the demo, or pass --workspace DIR / --profile NAME",
        )
    return config.profile(args.profile)


def _config(args: argparse.Namespace) -> Config:
    if not hasattr(args, "loaded_config"):
        from cache.settings import check_cache_tables  # noqa: PLC0415

        args.loaded_config = load_config(args.config)
        check_cache_tables(args.loaded_config)
    config: Config = args.loaded_config
    return config


def _warn(message: str) -> None:
    echo(f"modeltrail: warning: {message}", err=True)


def _open(args: argparse.Namespace) -> Backends:
    from cache.open import open_cached  # noqa: PLC0415

    profile = _profile(args)
    backends, _cache = open_cached(profile, _config(args).cache, offline=args.offline, warn=_warn)
    return backends


def _trace(args: argparse.Namespace) -> int:
    from providers.trail.resolver import TrailResolver  # noqa: PLC0415
    from tui.cli.search import find_one  # noqa: PLC0415

    with _opened(args) as backends:
        resolver = TrailResolver(backends, rule=_profile(args).explanation)
        trail = resolver.from_prediction(find_one(resolver, args.request_id, _warn, args.row))
    if args.json:
        print(json_text(to_jsonable(trail), indent=2, allow_nan=True))
    else:
        echo(trail_text(trail))
    return 0


def _search(args: argparse.Namespace) -> int:
    from tui.cli.search import run_search  # noqa: PLC0415

    if args.limit is not None and args.limit < 1:
        raise ProviderError("--limit must be 1 or more")
    with _opened(args) as backends:
        return run_search(backends, args.query, args.limit, args.json, _warn)


def _data(args: argparse.Namespace) -> int:
    with _opened(args) as backends:
        return run_data(backends, args)


@contextlib.contextmanager
def _opened(args: argparse.Namespace) -> Iterator[Backends]:
    """The profile's backends, closed at the end; interrupted (Ctrl-C), stderr says so
    and whether an engine's job was cancelled (closing its session cancels it)."""
    from tui.panes.engine_search import interrupted_note  # noqa: PLC0415

    backends = _open(args)
    interrupted = False
    try:
        yield backends
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        backends.close()
        if interrupted:
            echo(f"modeltrail: {interrupted_note(backends.predictions)}", err=True)


def _walk(args: argparse.Namespace) -> int:
    if args.repo:
        from providers.git.provider import GitCommitsProvider  # noqa: PLC0415

        provider = GitCommitsProvider(args.repo.expanduser().resolve())
    else:
        backends = _open(args)
        if backends.commits is None:
            raise ProviderError(backends.missing("commits"), hint="pass --repo PATH")
        provider = backends.commits  # type: ignore[assignment]
    try:
        return run_walk(provider, args)
    finally:
        provider.close()


def _demo(args: argparse.Namespace) -> int:
    from tui.demo.workspace import (  # noqa: PLC0415
        default_demo_path,
        ensure_demo,
        generate_demo,
    )

    path = (args.path or default_demo_path()).expanduser().resolve()
    if args.regenerate:
        case, generated = generate_demo(path), True
    else:
        if not (path / "demo-case.json").exists():
            echo(f"Generating the demo workspace in {path} …", err=True)
        case, generated = ensure_demo(path)
    if generated:
        echo(
            f"Generated {case.predictions:,} logged predictions, a git repository, models, "
            f"runs, builds and releases in {case.seconds:.1f} s.",
            err=True,
        )
    if args.no_tui:
        echo(f"Demo workspace: {path}")
        echo(f"Auditor's question: {case.question}")
        echo(f"Request id: {case.request_id}")
        echo(f"Try: modeltrail trace {case.request_id} --workspace {path}")
        return 0
    day = case.logged_at[:10]
    return _run_app(
        workspace_profile(path, "demo"),
        args,
        initial_query=f"from:{day} to:{day}",
        initial_select=case.request_id,
        question=case.question,
        notice="Press Enter to trace the selected request; w lists every hop with its reason.",
    )


def _screenshots(args: argparse.Namespace) -> int:
    from tui.cli.screenshots import main as take  # noqa: PLC0415
    from tui.demo.workspace import default_demo_path, ensure_demo  # noqa: PLC0415

    path = (args.path or default_demo_path()).expanduser().resolve()
    case, _ = ensure_demo(path)
    for saved in take(path, case, args.out):
        echo(str(saved))
    return 0


def _cache(args: argparse.Namespace) -> int:
    from cache.info import cache_report, clear_cache  # noqa: PLC0415
    from cache.settings import cache_settings  # noqa: PLC0415

    settings = cache_settings(_config(args).cache)
    if args.cache_command == "info":
        echo(cache_report(settings, warn=_warn))
        return 0
    profile = getattr(args, "profile", None)
    removed = clear_cache(settings, profile, warn=_warn)
    scope = f"profile {profile}" if profile else "every profile"
    echo(f"Removed {removed} cached answer(s) of {scope} from {settings.records_dir}")
    return 0


def _case(args: argparse.Namespace) -> int:
    from tui.cli.case import run_case_command  # noqa: PLC0415

    def open_console(profile: Profile, case: Case) -> int:
        return _run_app(profile, args, keymap=_config(args).keys, case=case)

    return run_case_command(args, _config(args), _profile, open_console, _version())


def _console(args: argparse.Namespace) -> int:
    config = _config(args)
    return _run_app(_profile(args), args, keymap=config.keys)


def _run_app(
    profile: Profile,
    args: argparse.Namespace,
    *,
    initial_query: str = "",
    initial_select: str | None = None,
    question: str = "",
    notice: str = "",
    keymap: Mapping[str, str] | None = None,
    case: Case | None = None,
) -> int:
    if keymap:
        from tui.console.keymap import check_keymap  # noqa: PLC0415

        check_keymap(keymap, str(_config(args).path))
    if not sys.stdout.isatty():
        raise ProviderError("the console needs a terminal", hint="use trace/walk, or --no-tui")
    from tui.console.launch import build_app, tune_for_terminal  # noqa: PLC0415

    tune_for_terminal()
    recorder = None
    if case is not None:
        from providers.config import case_settings  # noqa: PLC0415
        from tui.cases.case_folder import CaseStore  # noqa: PLC0415
        from tui.cases.recorder import CaseRecorder  # noqa: PLC0415

        recorder = CaseRecorder(CaseStore(), case, case_settings(_config(args).case))
    app = build_app(
        profile,
        initial_query=initial_query,
        initial_select=initial_select,
        question=question,
        keymap=keymap,
        cache=_config(args).cache,
        offline=args.offline,
        case=recorder,
        case_table=_config(args).case,
        profiles=_config(args).profiles,
    )
    app.session.notice = notice
    app.run()
    from tui.console.quitting import leave  # noqa: PLC0415

    return leave(app.return_code or 0)


if __name__ == "__main__":
    sys.exit(main())
