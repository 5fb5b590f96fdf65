"""The ``azure-devops`` profile table, validated strictly.

Example::

    [profiles.prod.releases]
    provider = "azure-devops"
    organization_url = "https://dev.azure.com/contoso"
    project = "mortgage"
    repository = "mortgage-model"              # needed for the commits concern
    release_definition = "mortgage-release"    # optional: only releases of this definition
    build_definition = "mortgage-train"        # optional: only builds of this definition
    pat_env = "MODELTRAIL_ADO_PAT"             # optional: else an azure-identity token
    metadata_artifacts = ["model-meta"]        # optional: artifacts holding the metadata file
    timeout = 30                               # seconds per request
    retries = 3                                # retries of throttled/unavailable requests
    max_retry_wait = 60                        # longest Retry-After we wait out (seconds)
    local_clone = "~/src/mortgage-model"       # optional: a clone of repository, where
                                               # content searches run (git log -S/-G)

    [profiles.prod.releases.release_variables] # TargetRule fields: variable names
    model_version = "MODEL_VERSION"            # or "Release.Artifacts._train.BuildNumber"
    [profiles.prod.releases.release_log]       # optional LogRule, for releases whose
    task = "AzureCLI"                          # variables name no target
    pattern = 'deployed (?P<image>[^ ]+)'
    [profiles.prod.releases.artifact_metadata] # MetadataKeys fields
    file = "meta.json"
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from providers.devops.parse import LogRule, MetadataKeys, TargetRule
from providers.errors import ConfigError
from providers.mlflow.settings import refuse_plain_http
from providers.settings_check import check_table, unchecked

PROVIDER = "azure-devops"

_REQUIRED = ("organization_url", "project")
_OPTIONAL_TEXT = ("repository", "release_definition", "build_definition", "pat_env")
_NUMBERS = {"timeout": (30.0, 1.0, 600.0), "retries": (3, 0, 10), "max_retry_wait": (60.0, 0, 600)}
_TABLES = ("release_variables", "artifact_metadata", "release_log")
_KNOWN = unchecked(
    *_REQUIRED, *_OPTIONAL_TEXT, *_NUMBERS, *_TABLES, "metadata_artifacts", "local_clone"
)


@dataclass(frozen=True, slots=True)
class DevOpsSettings:
    """Where the organization is, what to read from it and how patiently."""

    organization_url: str
    project: str
    repository: str | None = None
    release_definition: str | None = None
    build_definition: str | None = None
    pat_env: str | None = None
    metadata_artifacts: tuple[str, ...] = ()
    timeout: float = 30.0
    retries: int = 3
    max_retry_wait: float = 60.0
    rule: TargetRule = field(default_factory=TargetRule)
    log_rule: LogRule | None = None
    metadata_keys: MetadataKeys = field(default_factory=MetadataKeys)
    local_clone: Path | None = None  # relative to the profile's folder until opened

    def identity(self) -> dict[str, str]:
        """The settings that decide which data is served (no credential, not even its name)."""
        names = ("project", "repository", "release_definition", "build_definition")
        found = {"organization_url": self.organization_url.lower()}
        found |= {n: getattr(self, n) for n in names if getattr(self, n)}
        if self.metadata_artifacts:
            found["metadata_artifacts"] = ",".join(self.metadata_artifacts)
        found["release_variables"] = repr(self.rule)
        if self.log_rule:
            found["release_log"] = repr(self.log_rule)
        found["artifact_metadata"] = repr(self.metadata_keys)
        return found


def _error(message: str, hint: str = "") -> ConfigError:
    return ConfigError(message, hint=hint, provider=PROVIDER)


def _text(settings: Mapping[str, Any], key: str) -> str | None:
    value = settings.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _error(f"{key!r} must be a non-empty string")
    return value.strip()


def _number(settings: Mapping[str, Any], key: str) -> Any:
    default, low, high = _NUMBERS[key]
    value = settings.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _error(f"{key!r} must be a number, not {value!r}")
    if not low <= value <= high:
        raise _error(f"{key!r} must be between {low} and {high}, not {value}")
    return type(default)(value)


def _table(settings: Mapping[str, Any], key: str, cls: type[Any]) -> Any:
    table = settings.get(key, {})
    if not isinstance(table, Mapping):
        raise _error(f"{key!r} must be a table")
    try:
        return cls(**table)
    except (TypeError, ValueError) as exc:
        raise _error(f"{key}: {exc}") from None


def parse_settings(settings: Mapping[str, Any]) -> DevOpsSettings:
    """Validate a profile table; ConfigError naming the key for anything wrong or unknown."""
    check_table({k: v for k, v in settings.items() if k != "provider"}, _KNOWN, provider=PROVIDER)
    for key in _REQUIRED:
        if _text(settings, key) is None:
            raise _error(f"the {PROVIDER} provider needs {key!r}")
    url = str(settings["organization_url"]).strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _error(
            f"organization_url {url!r} is not an http(s) URL",
            hint='e.g. organization_url = "https://dev.azure.com/contoso"',
        )
    if parts.username or parts.password:
        raise _error("organization_url must not carry credentials", hint="use pat_env instead")
    artifacts = settings.get("metadata_artifacts", [])
    if not isinstance(artifacts, list) or not all(isinstance(a, str) and a for a in artifacts):
        raise _error("'metadata_artifacts' must be a list of artifact names")
    texts = {key: _text(settings, key) for key in _OPTIONAL_TEXT}
    pat_env = texts["pat_env"]
    refuse_plain_http(
        url,
        "organization_url",
        f"the PAT named by pat_env ({pat_env})" if pat_env else "the Entra ID token",
    )
    return DevOpsSettings(
        organization_url=url,
        project=str(_text(settings, "project")),
        metadata_artifacts=tuple(artifacts),
        timeout=_number(settings, "timeout"),
        retries=_number(settings, "retries"),
        max_retry_wait=_number(settings, "max_retry_wait"),
        rule=_table(settings, "release_variables", TargetRule),
        log_rule=_table(settings, "release_log", LogRule) if "release_log" in settings else None,
        metadata_keys=_table(settings, "artifact_metadata", MetadataKeys),
        local_clone=Path(clone).expanduser() if (clone := _text(settings, "local_clone")) else None,
        **texts,
    )
