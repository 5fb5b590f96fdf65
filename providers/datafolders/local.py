"""Training-data folders in a local folder ("local-data"): the demo, or a mounted share.

Settings: ``path`` (the root the builds' folder names are relative to).  Files are listed
recursively; symbolic links are not followed (listed nowhere: a link could lead out of the
root).  A local file system states no immutability, so md5s are computed here and kept
in memory for a file whose size and modification time have not changed.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar, Self

from providers.builtin_settings import check_local_data
from providers.datafolders.manifest import CHUNK, md5_of_file
from providers.errors import BadData, NotFound
from providers.protocols import DataProvider, Provider, ProviderContext
from providers.records import DataFile, DataFolder, Source

NO_IMMUTABILITY = "not stated: a local folder has no immutability policy"
HASH_ORIGIN = "md5 computed locally"


def relative_folder(folder: str, provider: str) -> PurePosixPath:
    """``folder`` as a path under the root; BadData if it is absolute or climbs out."""
    path = PurePosixPath(folder.strip().strip("/"))
    if not folder.strip() or folder.startswith("/") or ".." in path.parts:
        raise BadData(
            f"training-data folder {folder!r} is not a folder under the root", provider=provider
        )
    return path


class LocalDataProvider(Provider, DataProvider):
    """Training-data folders under one local root."""

    name: ClassVar[str] = "local-data"
    concerns: ClassVar[frozenset[str]] = frozenset({"data"})

    def __init__(self, root: Path) -> None:
        self.root = root
        self._hashes: dict[tuple[str, int, int], str] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        """Settings: ``path``, relative to the profile's folder."""
        check_local_data(settings)
        root = (context.base_dir / Path(str(settings["path"])).expanduser()).resolve()
        if not root.is_dir():
            raise NotFound(f"no such folder: {root}", provider=cls.name)
        return cls(root)

    def identity(self) -> Mapping[str, str]:
        """The root folder served."""
        return {"path": str(self.root)}

    def list_folder(self, folder: str) -> DataFolder:
        """The folder's regular files, recursively, sorted by path, with md5s."""
        base = self.root / relative_folder(folder, self.name)
        source = Source(self.name, folder, base.as_uri())
        if not base.is_dir() or base.is_symlink():
            return DataFolder(folder, False, (), NO_IMMUTABILITY, HASH_ORIGIN, False, source)
        files = []
        try:
            for path, info in sorted(self._walk(base)):
                files.append(
                    DataFile(
                        path,
                        info.st_size,
                        self._md5(base / path, info),
                        datetime.fromtimestamp(info.st_mtime, UTC),
                    )
                )
        except OSError as exc:
            raise BadData(
                f"cannot read {base}: {exc.strerror or exc}", provider=self.name
            ) from None
        return DataFolder(folder, True, tuple(files), NO_IMMUTABILITY, HASH_ORIGIN, False, source)

    def read_head(self, folder: str, path: str, limit: int) -> Iterator[bytes]:
        """Up to ``limit`` bytes of the file, in 1 MiB chunks."""
        target = self._file(folder, path)
        with target.open("rb") as handle:
            left = limit
            while left > 0 and (chunk := handle.read(min(CHUNK, left))):
                left -= len(chunk)
                yield chunk

    def local_path(self, folder: str, path: str) -> Path | None:
        """The file itself."""
        return self._file(folder, path)

    def _file(self, folder: str, path: str) -> Path:
        target = self.root / relative_folder(folder, self.name) / relative_folder(path, self.name)
        if not target.is_file() or target.is_symlink():
            raise NotFound(
                f"no file {path!r} in training-data folder {folder!r}", provider=self.name
            )
        return target

    def _walk(self, base: Path) -> Iterator[tuple[str, os.stat_result]]:
        for top, dirs, names in os.walk(base):
            dirs[:] = [d for d in dirs if not (Path(top) / d).is_symlink()]
            for name in names:
                full = Path(top) / name
                info = full.lstat()
                if stat.S_ISREG(info.st_mode):
                    yield full.relative_to(base).as_posix(), info

    def _md5(self, path: Path, info: os.stat_result) -> str:
        key = (str(path), info.st_size, info.st_mtime_ns)
        with self._lock:
            known = self._hashes.get(key)
        if known is None:
            known = md5_of_file(path)
            with self._lock:
                self._hashes[key] = known
        return known
