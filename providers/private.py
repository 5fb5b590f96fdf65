"""Everything modeltrail writes is private to its user: folders 0700, files 0600.

Folders go through :func:`private_dir` (its own folders: cache, cases, exports, mirrors)
or :func:`missing_dirs` (folders created on the way to a file the user named).  Files are
created 0600 where the code creates them (``mkstemp``, ``os.open(…, 0o600)``) and, for
the files that SQLite, DuckDB, diskcache and the SDKs create themselves, by the process
umask :data:`PRIVATE_UMASK`, which the command line sets for the whole run
(:func:`private_umask`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

PRIVATE_UMASK = 0o077


class NotPrivate(PermissionError):
    """A folder of modeltrail's is open to other users and cannot be made private."""


def missing_dirs(folder: Path) -> None:
    """Create ``folder`` and its missing parents, each 0700; existing ones are left as
    they are.  OSError when one cannot be created."""
    missing = []
    while not folder.is_dir() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):  # made meanwhile (or a file: next step)
            path.mkdir(mode=0o700)


def private_dir(folder: Path) -> Path:
    """``folder``, a folder of modeltrail's own that only its user can open: created 0700
    (with missing parents), or tightened to 0700 when it exists with access for the group
    or others (e.g. a cache folder made 0777).  NotPrivate, saying so, when it cannot be
    made private (someone else's folder); OSError when it cannot be created."""
    missing_dirs(folder)
    mode = folder.stat().st_mode
    if not stat.S_ISDIR(mode):
        raise NotADirectoryError(errno.ENOTDIR, f"{folder} is not a folder")
    if stat.S_IMODE(mode) & 0o077:
        try:
            folder.chmod(0o700)
        except OSError as exc:
            raise NotPrivate(
                exc.errno or errno.EPERM,
                f"{folder} is open to other users ({stat.filemode(mode)}) and cannot be made "
                f"private ({exc.strerror}): make it 0700 or choose another folder",
            ) from None
    return folder


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Within: every file or folder the process creates is private, whoever creates it."""
    previous = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)
