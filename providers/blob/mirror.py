"""A local copy of blobs, so that scanning and indexing work on files on disk.

Each mirrored blob has its bytes in ``<root>/data/<name>`` and the state it was copied
at (size and etag, nothing secret) in ``<root>/state/<name>.json``; the listing of a
closed day folder (blob names and states) is kept in ``<root>/listings/<folder>.json``.
Folders are created 0700 and files 0600; a full copy is written to a temporary file
and renamed into place; an append writes the new tail onto the copy.  A copy whose size
differs from its recorded state (a crash mid-write, two processes appending at once) is
treated as absent.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_path

from providers.predictions.log_store import unsafe_name
from providers.private import missing_dirs, private_dir

_JSON = ".json"


@dataclass(frozen=True, slots=True)
class BlobState:
    """What identifies one version of a blob: its size in bytes and its etag."""

    size: int
    etag: str


def default_mirror_base() -> Path:
    """``blobs`` in the user cache dir of modeltrail."""
    return user_cache_path("modeltrail") / "blobs"


def mirror_folder(base: Path, account_url: str, container: str, prefix: str) -> Path:
    """The folder of one provider's mirror under ``base``: a hash of where the logs are."""
    key = "\n".join((account_url.rstrip("/").lower(), container, prefix))
    return base / hashlib.sha256(key.encode()).hexdigest()[:24]


class Mirror:
    """Copies of blobs addressed by store names (``<container>/<blob name>``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self._states = root / "state"
        self._listings = root / "listings"

    def path(self, name: str) -> Path:
        """Where the copy of ``name`` lives; OSError for a name that is not a safe path."""
        return self.data.joinpath(*_parts(name))

    def state(self, name: str) -> BlobState | None:
        """The state the copy was made at, or None if there is no intact copy."""
        try:
            recorded = json.loads(self._state_path(name).read_text(encoding="utf-8"))
            state = BlobState(int(recorded["size"]), str(recorded["etag"]))
            on_disk = self.path(name).stat().st_size
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return state if on_disk == state.size else None

    def replace(self, name: str, chunks: Iterable[bytes], state: BlobState) -> None:
        """Write a full copy from ``chunks`` (temporary file, then rename), then its state."""
        target = self.path(name)
        self._folders(target.parent)
        _write_atomically(target, chunks)
        self._save_state(name, state)

    def append(self, name: str, chunks: Iterable[bytes], state: BlobState) -> None:
        """Append ``chunks`` to the existing copy, then record the new state."""
        with self.path(name).open("ab") as copy:
            for chunk in chunks:
                copy.write(chunk)
        self._save_state(name, state)

    def listing(self, folder: str) -> list[tuple[str, BlobState]] | None:
        """The saved listing of ``folder`` (every blob below it), or None."""
        try:
            saved = json.loads(_json_path(self._listings, folder).read_text(encoding="utf-8"))
            return [(str(n), BlobState(int(size), str(etag))) for n, size, etag in saved]
        except (OSError, ValueError, TypeError):
            return None

    def save_listing(self, folder: str, blobs: list[tuple[str, BlobState]]) -> None:
        """Keep the listing of a folder whose content no longer changes, if the mirror
        can be written (else the folder is listed again next time; reading a blob then
        fails for that blob, saying why)."""
        target = _json_path(self._listings, folder)
        body = json.dumps([[name, state.size, state.etag] for name, state in blobs])
        with suppress(OSError):
            self._folders(target.parent)
            _write_atomically(target, [body.encode()])

    def forget_listing(self, folder: str) -> None:
        """Drop the saved listing of ``folder``, if any."""
        _json_path(self._listings, folder).unlink(missing_ok=True)

    def forget(self, name: str) -> None:
        """Drop the copy of ``name`` and its state, if any."""
        for path in (self._state_path(name), self.path(name)):
            with suppress(FileNotFoundError):
                path.unlink()

    def _state_path(self, name: str) -> Path:
        return _json_path(self._states, name)

    def _save_state(self, name: str, state: BlobState) -> None:
        target = self._state_path(name)
        self._folders(target.parent)
        body = json.dumps({"size": state.size, "etag": state.etag}).encode()
        _write_atomically(target, [body])

    def _folders(self, folder: Path) -> None:
        """Make the mirror private (tightened to 0700 if need be), then create ``folder``
        and its missing parents, each 0700."""
        private_dir(self.root)
        missing_dirs(folder)


def inside(name: str, folder: str) -> bool:
    """True if ``name`` is ``folder`` or below it ("" holds everything)."""
    return not folder or name == folder or name.startswith(folder + "/")


def listed_below(
    blobs: Iterable[tuple[str, BlobState]], folder: str
) -> Iterator[tuple[str, BlobState]]:
    """The blobs of a listing that lie below ``folder``."""
    return ((name, state) for name, state in blobs if name.startswith(folder + "/"))


def listed_folders(blobs: Iterable[tuple[str, BlobState]], folder: str) -> list[str]:
    """The sub-folders of ``folder`` that hold blobs of a listing, sorted."""
    depth = folder.count("/") + 1
    paths = (name.split("/") for name, _ in listed_below(blobs, folder))
    return sorted({"/".join(p[: depth + 1]) for p in paths if len(p) > depth + 1})


def _json_path(base: Path, name: str) -> Path:
    parts = _parts(name)
    return base.joinpath(*parts[:-1], parts[-1] + _JSON)


def _parts(name: str) -> list[str]:
    why = unsafe_name(name)
    if why is not None:
        raise OSError(errno.EINVAL, f"a blob name with {why} cannot be a file path", name)
    return name.split("/")


def _write_atomically(target: Path, chunks: Iterable[bytes]) -> None:
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
