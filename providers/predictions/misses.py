"""What a lookup or search of the prediction logs that found nothing searched, and what
the user can try: one wording for ``trace``, ``search`` and the console's query bar."""

from __future__ import annotations

from collections.abc import Mapping

from providers.protocols import PredictionPage, Provider
from providers.query import PredictionQuery, describe

BY_KEY = (
    "given a business key instead, search by its field: FIELD=VALUE,"
    " e.g. application_id=APP-2026-081734"
)


def store_of(provider: object) -> str:
    """Where a predictions provider reads the logs: the folder, or the storage account's
    container (and prefix); any other provider by its identifying settings."""
    identity: Mapping[str, str] = provider.identity() if isinstance(provider, Provider) else {}
    if identity.get("path"):
        return identity["path"]
    parts = [identity.get(k, "").strip("/") for k in ("account_url", "container", "prefix")]
    known = "/".join(p for p in parts if p) or ", ".join(f"{k} {v}" for k, v in identity.items())
    return known or "the profile's predictions provider"


def id_miss(page: PredictionPage, store: str) -> str:
    """What an id lookup that found nothing searched (the id index's closed days, the
    files of the days it read), where, and how to look by a business key."""
    where = [f"the id index of {page.days_indexed:,} closed day(s)"] if page.days_indexed else []
    if page.files_scanned or not where:
        where.append(f"{page.files_scanned:,} log file(s) of {page.days_read:,} day(s)")
    return f"searched {' and '.join(where)} in {store}; {BY_KEY}"


def query_miss(query: PredictionQuery, files: int, store: str) -> str:
    """What a search that matched nothing searched, where, and what to try."""
    tries = []
    if query.request_id:
        tries.append("give the whole request or correlation id")
        tries.append(BY_KEY)
    if query.filters:
        tries.append("check the values (text matches exactly, case included) or drop a filter")
    if query.start or query.end:
        tries.append("widen from:/to:")
    if files == 0 and not (query.start or query.end):
        tries.append("check the profile's predictions settings: no log file is where they point")
    said = f"searched {files:,} log file(s) for {describe(query)} in {store}"
    return f"{said}; try: {'; '.join(tries)}" if tries else said
