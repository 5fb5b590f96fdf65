"""Training-data folders in Azure Blob Storage or ADLS Gen2 ("azure-blob-data").

An account with a hierarchical namespace lists the same way through the Blob API, so
azure-storage-blob serves both.  Settings (a profile's ``[data]`` table)::

    provider = "azure-blob-data"
    account_url = "https://contosodata.blob.core.windows.net"
    container = "training"            # the builds' folder names are relative to it
    prefix = ""                       # or a folder inside the container
    # connection_string_env / sas_env / api_version / timeout: as for azure-blob
    # hash_missing = true             # md5 blobs the store keeps no Content-MD5 for

Hashes are the Content-MD5 the store keeps.  A blob uploaded in blocks may have none: it
is listed without a hash, and said so, unless ``hash_missing`` is set: then its bytes are
read and hashed here (a folder the store states immutable is then cached for good, hashes
and all; any other for the cache's TTL).  Immutability is read from the container
(time-based retention policy, legal hold, version-level immutability) and from each blob
(its immutability policy and legal hold).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any, ClassVar, Self

from providers.blob.container import BlobContainer
from providers.blob.settings import BlobSettings, parse_settings
from providers.datafolders.local import relative_folder
from providers.datafolders.manifest import md5_of_chunks
from providers.protocols import DataProvider, Provider, ProviderContext
from providers.records import DataFile, DataFolder, Source
from providers.settings_check import Key, check_table, unchecked

_KEYS = {
    "account_url": Key(required=True, filled=True),
    "container": Key(required=True, filled=True),
    "prefix": Key(),
    **dict.fromkeys(("connection_string_env", "sas_env", "api_version"), Key(filled=True)),
    "hash_missing": Key(types=(bool,)),
    **unchecked("timeout"),
}
HASH_ORIGIN = "Content-MD5 kept by the store"
_INCLUDE = ["immutabilitypolicy", "legalhold"]


class BlobDataProvider(Provider, DataProvider):
    """Training-data folders in one blob container (the SDK is imported on first use)."""

    name: ClassVar[str] = "azure-blob-data"
    concerns: ClassVar[frozenset[str]] = frozenset({"data"})

    def __init__(self, settings: BlobSettings, *, hash_missing: bool = False) -> None:
        self.settings = settings
        self.hash_missing = hash_missing
        self._container: BlobContainer | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], context: ProviderContext) -> Self:
        """Validate the table (see the module's docstring) like azure-blob's."""
        check_table(settings, _KEYS, provider=cls.name, unknown="unknown setting {first!r}")
        fixed = {**settings, "format": "v1", "prefix": str(settings.get("prefix", ""))}
        hash_missing = bool(fixed.pop("hash_missing", False))
        return cls(parse_settings(fixed, context, cls.name), hash_missing=hash_missing)

    def identity(self) -> Mapping[str, str]:
        """Account URL, container and prefix; never a credential."""
        s = self.settings
        return {"account_url": s.account_url, "container": s.container, "prefix": s.prefix}

    def container(self) -> BlobContainer:
        """The container client, built on first use."""
        if self._container is None:
            self._container = BlobContainer(self.settings, self.name)
        return self._container

    def _prefix(self, folder: str) -> str:
        path = relative_folder(folder, self.name).as_posix()
        return f"{self.settings.prefix}/{path}/".lstrip("/")

    def list_folder(self, folder: str) -> DataFolder:
        """Every blob under the folder, with Content-MD5, last-modified and immutability."""
        prefix = self._prefix(folder)
        container = self.container()
        url = f"{self.settings.account_url}/{self.settings.container}/{prefix}"
        files = tuple(
            DataFile(
                blob.name[len(prefix) :],
                int(blob.size or 0),
                _md5(blob),
                blob.last_modified,
                _blob_immutability(blob),
            )
            for blob in container.list_properties(prefix, _INCLUDE)
        )
        source = Source(self.name, f"{self.settings.container}/{prefix}", url)
        if not files:
            return DataFolder(folder, False, (), "", HASH_ORIGIN, False, source)
        state, whole = _container_immutability(container.container_properties())
        immutable = whole or all(f.immutability for f in files)
        origin = HASH_ORIGIN
        missing = [f for f in files if f.content_hash is None]
        if self.hash_missing and missing:
            files = tuple(self._hashed(prefix, f) if f.content_hash is None else f for f in files)
            origin += f"; md5 computed here for {len(missing):,} blob(s) without one"
        return DataFolder(folder, True, files, state, origin, immutable, source)

    def _hashed(self, prefix: str, file: DataFile) -> DataFile:
        """``file`` with the md5 of its bytes, read in 4 MiB ranges."""
        container = self.container()
        state = container.properties(prefix + file.path)
        chunks = container.download(prefix + file.path, 0, state.size, state.etag)
        return replace(file, content_hash=md5_of_chunks(chunks))

    def read_head(self, folder: str, path: str, limit: int) -> Iterator[bytes]:
        """Up to ``limit`` bytes of the blob, in ranged downloads of 4 MiB."""
        name = self._prefix(folder) + relative_folder(path, self.name).as_posix()
        container = self.container()
        state = container.properties(name)
        yield from container.download(name, 0, min(limit, state.size), state.etag)

    def close(self) -> None:
        """Close the HTTP session."""
        if self._container is not None:
            self._container.close()


def _md5(blob: Any) -> str | None:
    settings = getattr(blob, "content_settings", None)
    digest = getattr(settings, "content_md5", None)
    return f"md5:{bytes(digest).hex()}" if digest else None


def _blob_immutability(blob: Any) -> str:
    """What the blob's own immutability says ("" when nothing)."""
    said = []
    policy = getattr(blob, "immutability_policy", None)
    expiry = getattr(policy, "expiry_time", None)
    if expiry is not None:
        mode = getattr(policy, "policy_mode", None) or "?"
        said.append(f"retained until {expiry:%Y-%m-%d %H:%M} UTC ({mode})")
    if getattr(blob, "has_legal_hold", None):
        said.append("legal hold")
    return ", ".join(said)


def _container_immutability(props: Any) -> tuple[str, bool]:
    """The container's immutability in words, and whether it covers every blob (a
    retention policy or legal hold does; version-level immutability alone does not)."""
    policy = bool(getattr(props, "has_immutability_policy", None))
    hold = bool(getattr(props, "has_legal_hold", None))
    said = [
        words
        for flag, words in (
            (policy, "container has a time-based retention policy"),
            (hold, "container has a legal hold"),
            (
                getattr(props, "immutable_storage_with_versioning_enabled", None),
                "version-level immutability enabled",
            ),
        )
        if flag
    ]
    if not said:
        return "none stated by the container (no retention policy, no legal hold)", False
    return "; ".join(said), policy or hold
