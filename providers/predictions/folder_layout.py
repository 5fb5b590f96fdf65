"""Folder layouts of the two log formats, and time-pruned walks over them.

v1 (model data collection, CSV)::

    <container>/<sub>/<rg>/<workspace>/<service>/<model>/<version>/<designation>/YYYY/MM/DD[/HH]/*.csv

v2 (data collector, JSONL)::

    <prefix>/<endpoint>/<deployment>/<collection>/YYYY/MM/DD[/HH]/*.jsonl

A :class:`Partition` is one day (or hour) folder of one collection.  Walks list folders
level by level and only descend into those that can hold wanted data, so a time-bounded
query never lists the whole tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from providers.predictions.log_store import LogStore, StoredFile, unsafe_name
from providers.query import PredictionQuery

V1_INPUTS = "inputs"
V1_OUTPUTS = "predictions"
_V2_PARTNERS = {"model_inputs": "model_outputs", "request": "response", "inputs": "outputs"}
_SUFFIX = {"v1": ".csv", "v2": ".jsonl"}
_UNDATED = datetime(1970, 1, 1, tzinfo=UTC)

SkipDay = Callable[[str], bool]


def _keep(_day_folder: str) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the two formats live in a store: the v1 container and the v2 prefixes."""

    v1_container: str = "modeldata"
    v2_prefixes: tuple[str, ...] = ("modelDataCollector",)


@dataclass(frozen=True, slots=True)
class Partition:
    """One day or hour folder of one collection (v1 designation or v2 collection name)."""

    format: str  # "v1" or "v2"
    base: str  # the folder above the collection folder
    collection: str
    endpoint: str  # v1: the service name
    deployment: str | None  # v2 only
    model_name: str | None  # v1 only
    model_version: str | None  # v1 only
    start: datetime
    hourly: bool
    folder: str = field(init=False, compare=False)  # the folder's name in the store

    @property
    def end(self) -> datetime:
        """The end (exclusive) of the time the folder covers."""
        return self.start + (timedelta(hours=1) if self.hourly else timedelta(days=1))

    def __post_init__(self) -> None:
        at = self.start
        hour = f"/{at.hour:02d}" if self.hourly else ""
        date = f"{at.year:04d}/{at.month:02d}/{at.day:02d}{hour}"
        object.__setattr__(self, "folder", f"{self.base}/{self.collection}/{date}")

    def at(self, start: datetime, *, hourly: bool) -> Partition:
        """The same collection's partition starting at ``start``."""
        return Partition(
            self.format,
            self.base,
            self.collection,
            self.endpoint,
            self.deployment,
            self.model_name,
            self.model_version,
            start,
            hourly,
        )

    @property
    def day_folder(self) -> str:
        """The day folder holding the partition (itself for a daily partition)."""
        return self.folder[:-3] if self.hourly else self.folder

    def partner(self) -> Partition | None:
        """The folder holding the outputs of this folder's inputs, if it is an inputs folder."""
        other = partner_collection(self.format, self.collection)
        return replace(self, collection=other) if other else None

    def files(self, store: LogStore) -> list[StoredFile]:
        """The log files directly in the folder (a name that is no safe path is noted in
        the store's ``skipped``)."""
        prefix = self.folder + "/"
        suffix = _SUFFIX[self.format]
        return [
            f
            for f in store.list(self.folder)
            if f.name.lower().endswith(suffix)
            and _safe(store, f.name)
            and "/" not in f.name[len(prefix) :]
        ]


def partner_collection(log_format: str, collection: str) -> str | None:
    """The outputs collection paired with an inputs collection, or None."""
    if log_format == "v1":
        return V1_OUTPUTS if collection == V1_INPUTS else None
    return _V2_PARTNERS.get(collection)


def parse_path(name: str, layout: Layout) -> Partition | None:
    """The partition of a log file from its name, or None if it fits neither layout."""
    parts = name.split("/")
    lower = name.lower()
    head = layout.v1_container.strip("/").split("/")
    rest = parts[len(head) :]
    if parts[: len(head)] == head and len(rest) in (11, 12) and lower.endswith(".csv"):
        start = _date(rest[7:-1])
        if start is not None:
            base = "/".join(parts[: len(head) + 6])
            return _v1(base, rest[6], *rest[3:6], start=start, hourly=len(rest) == 12)
    for prefix in layout.v2_prefixes:
        head = prefix.strip("/").split("/")
        rest = parts[len(head) :]
        if parts[: len(head)] == head and len(rest) in (7, 8) and lower.endswith(".jsonl"):
            start = _date(rest[3:-1])
            if start is not None:
                base = "/".join(parts[: len(head) + 2])
                return _v2(base, rest[2], rest[0], rest[1], start=start, hourly=len(rest) == 8)
    return None


def _date(parts: list[str]) -> datetime | None:
    """The start of a YYYY/MM/DD[/HH] folder, or None if the names are not such a date."""
    widths = [4, 2, 2, 2][: len(parts)]
    if any(len(p) != w or not p.isdigit() for p, w in zip(parts, widths, strict=True)):
        return None
    year, month, day, hour = [*(int(p) for p in parts), 0][:4]
    try:
        return datetime(year, month, day, hour, tzinfo=UTC)
    except ValueError:
        return None


def walk_inputs(
    store: LogStore, layout: Layout, query: PredictionQuery, skip_day: SkipDay = _keep
) -> Iterator[Partition]:
    """Inputs partitions that can hold predictions matching the query's time and target.

    Folders are listed level by level; names are compared without regard to case.  Day
    folders for which ``skip_day`` is true are neither listed nor yielded.
    """
    if query.deployment is None:
        yield from _walk_v1(store, layout.v1_container.strip("/"), query, skip_day)
    if query.model_name is None and query.model_version is None:
        for prefix in layout.v2_prefixes:
            yield from _walk_v2(store, prefix.strip("/"), query, skip_day)


def admits(query: PredictionQuery, partition: Partition) -> bool:
    """True if :func:`walk_inputs` could yield ``partition`` for ``query``."""
    if partner_collection(partition.format, partition.collection) is None:
        return False
    if partition.format == "v1" and query.deployment is not None:
        return False
    if partition.format == "v2" and (query.model_name or query.model_version):
        return False
    pairs = (
        (query.endpoint, partition.endpoint),
        (query.deployment, partition.deployment),
        (query.model_name, partition.model_name),
        (query.model_version, partition.model_version),
    )
    return all(_same(want, have) for want, have in pairs) and _overlaps(
        query, partition.start, partition.end
    )


def oldest_first(partition: Partition) -> tuple[datetime, str, str]:
    """The order lookups and searches read partitions in: by time, then folder."""
    return partition.start, partition.base, partition.collection


def day_partitions(store: LogStore, partition: Partition) -> list[Partition]:
    """Every partition of ``partition``'s day and collection (its hours, or the day)."""
    start = partition.start.replace(hour=0)
    return list(_hours(store, PredictionQuery(), partition.at(start, hourly=False)))


def _same(wanted: str | None, have: str | None) -> bool:
    return wanted is None or (have is not None and have.casefold() == wanted.casefold())


def _walk_v1(
    store: LogStore, container: str, query: PredictionQuery, skip_day: SkipDay
) -> Iterator[Partition]:
    for sub in _dirs(store, container):
        for rg in _dirs(store, sub):
            for ws in _dirs(store, rg):
                for svc in _matching(_dirs(store, ws), query.endpoint):
                    for model in _matching(_dirs(store, svc), query.model_name):
                        for version in _matching(_dirs(store, model), query.model_version):
                            names = version.rsplit("/", 3)[1:]
                            template = _v1(version, V1_INPUTS, *names)
                            yield from _dated(store, query, template, skip_day)


def _walk_v2(
    store: LogStore, prefix: str, query: PredictionQuery, skip_day: SkipDay
) -> Iterator[Partition]:
    for endpoint in _matching(_dirs(store, prefix), query.endpoint):
        for deployment in _matching(_dirs(store, endpoint), query.deployment):
            for folder in _dirs(store, deployment):
                collection = _last(folder)
                if partner_collection("v2", collection) is None:
                    continue
                template = _v2(deployment, collection, _last(endpoint), _last(deployment))
                yield from _dated(store, query, template, skip_day)


def _v1(
    base: str,
    designation: str,
    service: str,
    model: str,
    version: str,
    *,
    start: datetime = _UNDATED,
    hourly: bool = False,
) -> Partition:
    return Partition("v1", base, designation, service, None, model, version, start, hourly)


def _v2(
    base: str,
    collection: str,
    endpoint: str,
    deployment: str,
    *,
    start: datetime = _UNDATED,
    hourly: bool = False,
) -> Partition:
    return Partition("v2", base, collection, endpoint, deployment, None, None, start, hourly)


def _dirs(store: LogStore, folder: str) -> list[str]:
    """The sub-folders of ``folder`` whose names are safe paths (the others noted)."""
    return [name for name in store.list_dirs(folder) if _safe(store, name + "/")]


def _safe(store: LogStore, name: str) -> bool:
    """True if ``name`` is a safe path; else note it in the store's ``skipped``."""
    why = unsafe_name(name.removesuffix("/"))
    if why is None:
        return True
    what = "skipped with everything below it" if name.endswith("/") else "file skipped"
    store.skipped.note(name, f"a name with {why}, not a safe file path; {what}")
    return False


def _last(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _matching(folders: list[str], wanted: str | None) -> list[str]:
    if wanted is None:
        return folders
    return [f for f in folders if _last(f).casefold() == wanted.casefold()]


def _dated(
    store: LogStore, query: PredictionQuery, template: Partition, skip_day: SkipDay
) -> Iterator[Partition]:
    """The day or hour partitions under ``template``'s collection folder, pruned by time."""
    collection = f"{template.base}/{template.collection}"
    for year in _numbered(store.list_dirs(collection), 4, 1, 9998):
        if not _overlaps(
            query, datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
        ):
            continue
        for month in _numbered(store.list_dirs(f"{collection}/{year:04d}"), 2, 1, 12):
            first = datetime(year, month, 1, tzinfo=UTC)
            following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
            if not _overlaps(query, first, following):
                continue
            month_folder = f"{collection}/{year:04d}/{month:02d}"
            for day in _numbered(store.list_dirs(month_folder), 2, 1, 31):
                try:
                    daily = template.at(datetime(year, month, day, tzinfo=UTC), hourly=False)
                except ValueError:
                    continue
                if _overlaps(query, daily.start, daily.end) and not skip_day(daily.folder):
                    yield from _hours(store, query, daily)


def _hours(store: LogStore, query: PredictionQuery, daily: Partition) -> Iterator[Partition]:
    """The hour partitions of a day folder, or the day itself if it has no hour folders."""
    hours = _numbered(store.list_dirs(daily.folder), 2, 0, 23)
    if not hours:
        yield daily
    for hour in hours:
        hourly = daily.at(daily.start + timedelta(hours=hour), hourly=True)
        if _overlaps(query, hourly.start, hourly.end):
            yield hourly


def _numbered(folders: list[str], width: int, low: int, high: int) -> list[int]:
    numbers = []
    for folder in folders:
        name = _last(folder)
        if len(name) == width and name.isdigit() and low <= int(name) <= high:
            numbers.append(int(name))
    return sorted(numbers)


def _overlaps(query: PredictionQuery, start: datetime, end: datetime) -> bool:
    return (query.end is None or start < query.end) and (query.start is None or end > query.start)
