"""``modeltrail data MODEL:VERSION [--against MODEL:VERSION] [--json]``: the training data a
model version's build recorded, as manifests, or what changed against another version."""

from __future__ import annotations

import argparse
import sys

from providers.backends import Backends
from providers.datafolders.tabular import DEFAULT_LIMIT
from providers.errors import ProviderError
from providers.safetext import json_text
from providers.serialize import to_jsonable
from providers.trail.version_data import diff_versions, training_data
from tui.render.data_diff import diff_text, manifest_text
from tui.render.plain import echo


def add_data_options(data: argparse.ArgumentParser) -> None:
    """The version, ``--against``, ``--max-mb`` and ``--json``."""
    data.add_argument("version", metavar="MODEL:VERSION", help="e.g. mortgage:4")
    data.add_argument(
        "--against", metavar="MODEL:VERSION", help="diff with this version's data (the left side)"
    )
    data.add_argument(
        "--max-mb",
        type=int,
        default=DEFAULT_LIMIT >> 20,
        help=f"read at most this many MB of one file (default {DEFAULT_LIMIT >> 20}; "
        "a larger file is summarised from its first MB, and said so)",
    )
    data.add_argument("--json", action="store_true", help="machine-readable output")


def model_ref(text: str) -> tuple[str, str]:
    """``name:version`` split; ProviderError if it is not one."""
    name, _, version = text.rpartition(":")
    if not name or not version:
        raise ProviderError(f"{text!r} is not MODEL:VERSION (e.g. mortgage:4)")
    return name, version


def run_data(backends: Backends, args: argparse.Namespace) -> int:
    """Print the manifests of one version, or the diff of ``--against``'s data with it."""
    if args.max_mb < 1:
        raise ProviderError("--max-mb must be 1 or more")
    if args.against is None:
        data = training_data(backends, *model_ref(args.version))
        if args.json:
            print(json_text({"model": args.version, "data": to_jsonable(data)}, indent=2))
        else:
            echo("\n".join(manifest_text(args.version, data)))
        return 0
    diff = diff_versions(
        backends,
        model_ref(args.against),
        model_ref(args.version),
        limit=args.max_mb << 20,
        progress=None if args.json else lambda path: print(f"reading {path} …", file=sys.stderr),
    )
    if args.json:
        print(json_text(to_jsonable(diff), indent=2, allow_nan=True))
    else:
        echo("\n".join(diff_text(diff)))
    return 0
