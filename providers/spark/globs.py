"""The collector's folder layout as path globs for the engine's listing, pruned by a query.

The globs name the folders the local walk (:func:`~providers.predictions.folder_layout.walk_inputs`)
could descend into: the query's endpoint, deployment, model and version (compared without
regard to case, as the walk does: ``[mM][oO]…``) and its days, or every date-shaped folder.
They may list more than the walk keeps (a cartesian set of years, months and days; a name
with characters a glob cannot match exactly becomes ``*``), never less: the reader's walk
runs on the listing and keeps only what it admits.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from providers.query import PredictionQuery

MAX_DAYS = 62  # a longer range lists every date folder (the walk prunes the rest)
LOG_FILES = "*.{[cC][sS][vV],[jJ][sS][oO][nN][lL]}"  # as the walk takes them, in any case
_PLAIN = set("0123456789-_.")
_GLOB = set("\\[]{}*?")  # what Hadoop's glob reads, escaped by a backslash


def literal(path: str) -> str:
    """``path`` as a glob that matches only itself (the engine reads every path it is
    given as a glob: a folder named ``logs[1]`` is otherwise not found)."""
    return "".join(f"\\{char}" if char in _GLOB else char for char in path)


def either(globs: list[str]) -> str:
    """One glob for any of ``globs`` (the engine's file system expands a ``{…,…}``
    holding slashes into separate globs); "" for none."""
    return globs[0] if len(globs) == 1 else "{" + ",".join(globs) + "}" if globs else ""


def layout_globs(
    query: PredictionQuery, v1_container: str, v2_prefixes: tuple[str, ...]
) -> list[str]:
    """Globs (relative to the root) of the folders whose files, listed recursively, hold
    the query's inputs and their outputs: the day folders of a time range, else the
    collection folders.  (Globbing down to the files
    themselves cost the engine 22 s for the demo's 5k hour files, against 2.7 s for a
    recursive listing of their collection folders.)"""
    date = _dates(query)
    tail = f"/{date}" if date else ""
    folders = []
    if query.deployment is None:
        names = "/".join(_name(v) for v in (query.endpoint, query.model_name, query.model_version))
        folders.append(f"{v1_container}/*/*/*/{names}/{{inputs,predictions}}{tail}")
    if query.model_name is None and query.model_version is None:
        names = "/".join(_name(v) for v in (query.endpoint, query.deployment))
        folders += [f"{prefix}/{names}/*{tail}" for prefix in v2_prefixes]
    return folders


def _name(value: str | None) -> str:
    """A folder name matched without regard to case; ``*`` for none (or one a glob cannot
    match exactly)."""
    if value is None:
        return "*"
    out = []
    for char in value:
        if char.isascii() and char.isalpha():
            out.append(f"[{char.lower()}{char.upper()}]")
        elif char in _PLAIN:
            out.append(char)
        else:
            return "*"
    return "".join(out)


def _dates(query: PredictionQuery) -> str:
    """``YYYY/MM/DD`` folders of the query's days in UTC (the folders' time), as sets, or
    "" for any date."""
    if query.start is None or query.end is None or query.end - query.start > timedelta(MAX_DAYS):
        return ""
    days = []
    day = query.start.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    while day < query.end:
        days.append(day)
        day += timedelta(days=1)
    years = sorted({f"{d.year:04d}" for d in days})
    months = sorted({f"{d.month:02d}" for d in days})
    dates = sorted({f"{d.day:02d}" for d in days})
    return "/".join("{" + ",".join(part) + "}" for part in (years, months, dates))
