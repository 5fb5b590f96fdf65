"""The training run's inputs cross-checked with the build artifact's training-data folders:
agree, disagree, or only one side known — and which.

A run's input reads a folder when its path (after the scheme, the host or storage account,
and an Azure ML datastore's ``…/paths/``) is the folder or ends with it; a build may list
a folder with its container in front, so the other way round counts too.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from providers.records import Build, RunInput, TrainingRun

NOT_DATA = ("literal", "logged model")


@dataclass(frozen=True, slots=True)
class CrossCheck:
    """The sentence said on the run hop and whether the two sides disagree."""

    sentence: str
    disagrees: bool = False


def input_path(uri: str) -> str:
    """The storage path a URI reads, without scheme, host or datastore prefix."""
    if "/paths/" in uri and uri.startswith("azureml://"):
        return uri.split("/paths/", 1)[1].strip("/")
    parts = urlsplit(uri)
    if parts.scheme in ("abfss", "abfs", "wasbs", "wasb") and "@" in parts.netloc:
        return f"{parts.netloc.split('@', 1)[0]}/{parts.path.strip('/')}"
    if parts.scheme in ("https", "http", "s3", "gs", "dbfs"):
        return parts.path.strip("/") if parts.scheme.startswith("http") else (
            f"{parts.netloc}/{parts.path.strip('/')}".strip("/")
        )  # fmt: skip
    return (parts.path if parts.scheme == "file" else uri).strip("/")


def reads(found: RunInput, folder: str) -> bool:
    """True when the input reads the build's data ``folder``."""
    if not found.uri:
        return False
    path, wanted = input_path(found.uri), folder.strip("/")
    if not path or not wanted:
        return False
    return (
        path == wanted
        or path.endswith("/" + wanted)
        or ("/" in path and wanted.endswith("/" + path))
    )


def data_inputs(run: TrainingRun) -> list[RunInput]:
    """The run's inputs that are data (not literals, not logged models)."""
    return [i for i in run.inputs if i.kind not in NOT_DATA]


def build_folders(build: Build | None) -> tuple[str, tuple[str, ...]]:
    """(the artifact's name, its training-data folders) of the first artifact listing any."""
    for artifact in build.artifacts if build else ():
        if artifact.data_folders:
            return artifact.name, artifact.data_folders
    return "", ()


def _names(items: list[RunInput]) -> str:
    return ", ".join(f"{i.name} ({i.uri or i.asset or 'no path'})" for i in items)


def cross_check(run: TrainingRun, build: Build | None) -> CrossCheck:
    """The run's data inputs against the build artifact's data folders."""
    inputs = data_inputs(run)
    artifact, folders = build_folders(build)
    where = f"artifact {artifact} of build {build.number}" if build and folders else ""
    if not inputs and not folders:
        return CrossCheck("")
    if not folders:
        why = (
            f"build {build.number} lists no training-data folders"
            if build
            else "no build of this trail lists training-data folders"
        )
        return CrossCheck(f"training inputs: only the run's are known ({why}): {_names(inputs)}")
    if not inputs:
        return CrossCheck(
            f"training data: only {where}'s folders are known ({', '.join(folders)}); run "
            f"{run.run_id} records no data inputs (job inputs, MLflow datasets)"
        )
    unread = [f for f in folders if not any(reads(i, f) for i in inputs)]
    unlisted = [i for i in inputs if not any(reads(i, f) for f in folders)]
    unknown = [i for i in unlisted if not i.uri]
    unlisted = [i for i in unlisted if i.uri]
    if not unread and not unlisted and not unknown:
        return CrossCheck(f"its inputs agree with {where}'s data folders ({', '.join(folders)})")
    said = []
    if unread:
        said.append(f"{where} lists {', '.join(unread)}, which no input of the run reads")
    if unlisted:
        said.append(f"the run read {_names(unlisted)}, which {where} does not list")
    if unknown:
        said.append(f"the path of {_names(unknown)} is unknown, so it cannot be compared")
    disagree = bool(unread or unlisted) and bool(unlisted or not unknown)
    head = "training data DISAGREE: " if disagree else "training data partly compared: "
    return CrossCheck(head + "; ".join(said), disagrees=disagree)
