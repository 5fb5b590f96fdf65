"""The cases folder: one ``<name>.json`` per case in the user data dir, written atomically."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_path

from providers.errors import ConfigError, NotFound, ProviderError, Unavailable
from providers.private import private_dir
from tui.cases.atomic import write_atomic
from tui.cases.codec import decode_case, encode_case
from tui.cases.model import Case

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


def default_cases_dir() -> Path:
    """``cases/`` in the platform's user data dir."""
    return user_data_path("modeltrail") / "cases"


def check_name(name: str) -> str:
    """``name`` if it can name a case file (letters, digits, ``.``, ``_``, ``-``)."""
    if not _NAME.fullmatch(name):
        raise ConfigError(
            f"{name!r} cannot name a case",
            hint="use letters, digits, '.', '_' and '-' (up to 80, not starting with '.' or '-')",
        )
    return name


@dataclass(frozen=True, slots=True)
class CaseEntry:
    """A case file in the folder: the case, or why it cannot be read."""

    name: str
    path: Path
    case: Case | None
    error: str = ""


class CaseStore:
    """Reads and writes the case files of one folder (the user data dir by default)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_cases_dir()

    @property
    def exports_dir(self) -> Path:
        """Where the console writes evidence reports."""
        return self.root / "exports"

    def export_path(self, file_name: str) -> Path:
        """``file_name`` in the exports folder, which is made private first."""
        try:
            private_dir(self.root)
            return private_dir(self.exports_dir) / file_name
        except OSError as exc:
            raise Unavailable(f"cannot use {self.exports_dir}: {exc.strerror or exc}") from None

    def path(self, name: str) -> Path:
        """The file of case ``name``."""
        return self.root / f"{check_name(name)}.json"

    def exists(self, name: str) -> bool:
        """True if case ``name`` has a file."""
        return self.path(name).exists()

    def create(self, case: Case) -> Path:
        """Save a new case; ConfigError if one of that name exists (it is never replaced)."""
        if self.exists(case.name):
            raise ConfigError(
                f"case {case.name!r} already exists ({self.path(case.name)})",
                hint=f"open it with 'modeltrail case open {case.name}' or pick another name",
            )
        return self.save(case)

    def save(self, case: Case) -> Path:
        """Write the case atomically; on failure the previous file is kept unchanged."""
        return self.write(case.name, encode_case(case))

    def write(self, name: str, data: bytes) -> Path:
        """Write the encoded case ``name`` atomically into the private cases folder;
        Unavailable (the previous file kept) when that fails."""
        path = self.path(name)
        try:
            private_dir(self.root)
            write_atomic(path, data)
        except OSError as exc:
            raise Unavailable(
                f"cannot save case {name!r} to {path}: {exc.strerror or exc}",
                hint="free some disk space or check the folder's permissions; "
                "the previously saved version is kept",
            ) from None
        return path

    def load(self, name: str) -> Case:
        """Read case ``name``; NotFound or BadData (with a hint) when that is not possible."""
        path = self.path(name)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise NotFound(
                f"no case named {name!r} in {self.root}",
                hint="'modeltrail case list' lists them; 'modeltrail case new NAME' starts one",
            ) from None
        except OSError as exc:
            raise Unavailable(f"cannot read {path}: {exc.strerror or exc}") from None
        case = decode_case(raw, str(path))
        return case if case.name == name else dataclasses.replace(case, name=name)

    def names(self) -> list[str]:
        """The names of the case files, sorted (without reading them)."""
        return sorted(p.stem for p in self.root.glob("*.json")) if self.root.is_dir() else []

    def entries(self) -> list[CaseEntry]:
        """Every case file, by name; unreadable ones carry their error instead of a case."""
        found = []
        for name in self.names():
            path = self.root / f"{name}.json"
            try:
                found.append(CaseEntry(name, path, self.load(name)))
            except ProviderError as exc:
                found.append(CaseEntry(name, path, None, str(exc)))
        return found
