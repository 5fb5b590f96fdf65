"""``modeltrail walk``: a commit's first-parent ancestors, or with ``-S``/``-G``/``--path``
the commits ``git log -S TEXT REV -- P`` lists (merges as git includes them), printed as
text or JSON as they arrive."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

from providers.content_query import PICKAXE, REGEX, ContentQuery
from providers.errors import ProviderError
from providers.protocols import CommitsProvider
from providers.records import Commit
from providers.safetext import json_text
from providers.serialize import to_jsonable
from tui.render.plain import echo
from tui.render.report import commit_text

DEFAULT_STEPS = 10


def add_walk_options(walk: argparse.ArgumentParser) -> None:
    """``--steps``, ``--json`` and the content search options of ``walk``."""
    walk.add_argument(
        "--steps",
        type=int,
        help=f"ancestors to show (default {DEFAULT_STEPS}; with -S/-G/--path: every match)",
    )
    walk.add_argument("--json", action="store_true", help="machine-readable output")
    search = walk.add_mutually_exclusive_group()
    search.add_argument(
        "-S", dest="pickaxe", metavar="TEXT", help="commits changing how often TEXT occurs"
    )
    search.add_argument(
        "-G", dest="regex", metavar="REGEX", help="commits with a changed line matching REGEX"
    )
    walk.add_argument(
        "--pickaxe-regex", action="store_true", help="-S TEXT is a regex (as git's option)"
    )
    walk.add_argument(
        "--path",
        action="append",
        default=[],
        metavar="P",
        help="only changes to this file or folder (repeatable; git pathspecs)",
    )


def search_query(args: argparse.Namespace) -> ContentQuery | None:
    """The content search the options ask for (None: a plain walk)."""
    if args.pickaxe is None and args.regex is None and not args.path:
        if args.pickaxe_regex:
            raise ProviderError("--pickaxe-regex goes with -S TEXT")
        return None
    if args.regex is not None:
        return ContentQuery(
            args.regex, mode=REGEX, pickaxe_regex=args.pickaxe_regex, paths=tuple(args.path)
        )
    return ContentQuery(
        args.pickaxe or "", mode=PICKAXE, pickaxe_regex=args.pickaxe_regex, paths=tuple(args.path)
    )


def run_walk(provider: CommitsProvider, args: argparse.Namespace) -> int:
    """Print the walk (or the search) from ``args.sha``; ``--steps`` bounds it."""
    if args.steps is not None and args.steps < 0:
        raise ProviderError("--steps must be 0 or more")
    query = search_query(args)
    if query is None:
        wanted = (DEFAULT_STEPS if args.steps is None else args.steps) + 1
        size = min(wanted, 300)
        pages = provider.history(args.sha, first_parent=True, page_size=size, stats=True)
    else:
        wanted = None if args.steps is None else args.steps
        pages = provider.search_content(query, args.sha, stats=True)
    print_commits(pages, wanted, as_json=args.json)
    return 0


def print_commits(pages: Iterable[list[Commit]], wanted: int | None, *, as_json: bool) -> None:
    """Up to ``wanted`` commits (None: all), each printed and flushed as its page arrives;
    the JSON list opens with the first page, so a search git refuses prints no half list."""
    shown, opened = 0, False
    for page in pages:
        if as_json and not opened:
            sys.stdout.write("[")
            opened = True
        for commit in page[: None if wanted is None else wanted - shown]:
            if as_json:
                text = json_text(to_jsonable(commit), allow_nan=True)
                sys.stdout.write(("," if shown else "") + "\n" + text)
            else:
                echo(commit_text(commit))
            shown += 1
        sys.stdout.flush()
        if wanted is not None and shown >= wanted:
            break
    if as_json:
        sys.stdout.write("\n]\n" if opened else "[]\n")
