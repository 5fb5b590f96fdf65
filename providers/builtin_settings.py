"""The demo's built-in providers' settings checks, importable without the providers.

Start-up checks a profile's tables here (unknown keys, missing or mistyped values: a
ConfigError naming the key), so the provider modules themselves (git's readers, the log
reader, the index) load on first use; each provider's ``from_settings`` calls the same
check.  :data:`CHECKS` lists the providers checked this way and the concerns each serves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from providers.devops.parse import MetadataKeys, TargetRule
from providers.errors import ConfigError
from providers.lines import LinesProvider
from providers.settings_check import Key, check_table, unchecked

LOCAL_LOGS_KEYS = {
    "path": Key(required=True, filled=True, hint="the folder of the logs"),
    "v1_container": Key(filled=True),
    "v2_prefix": Key(filled=True),
}
GIT_KEYS = {
    "path": Key(required=True, filled=True, hint="set path = the folder of the git repository")
}
LOCAL_DATA_KEYS = {"path": Key(required=True, filled=True)}
_LOCAL_REST_KEYS = unchecked("path", "provider", "release_variables", "artifact_metadata")


def check_local_logs(settings: Mapping[str, Any]) -> None:
    """``path`` (required), ``v1_container`` and ``v2_prefix``."""
    check_table(
        settings, LOCAL_LOGS_KEYS, provider="local-logs", unknown="unknown setting {first!r}"
    )


def check_git(settings: Mapping[str, Any]) -> None:
    """``path`` (required)."""
    check_table(settings, GIT_KEYS, provider="git")


def check_local_data(settings: Mapping[str, Any]) -> None:
    """``path`` (required)."""
    check_table(settings, LOCAL_DATA_KEYS, provider="local-data")


def local_rest_rules(settings: Mapping[str, Any]) -> tuple[TargetRule, MetadataKeys]:
    """The release-variable rule and the artifact metadata keys of a local-rest table;
    ConfigError for an unknown key, a missing ``path`` or an unknown key of either table."""
    check_table(settings, _LOCAL_REST_KEYS, provider="local-rest")
    if "path" not in settings:
        raise ConfigError("local-rest needs a 'path' setting")
    try:
        return (
            TargetRule(**settings.get("release_variables", {})),
            MetadataKeys(**settings.get("artifact_metadata", {})),
        )
    except TypeError as exc:
        raise ConfigError(f"local-rest: {exc}") from None


@dataclass(frozen=True, slots=True)
class Checked:
    """A built-in provider whose settings are checked here: the concerns it serves."""

    concerns: frozenset[str]
    check: Callable[[Mapping[str, Any]], object]
    extras: tuple[type, ...] = ()  # optional interfaces it offers beside its concerns


CHECKS: dict[str, Checked] = {
    "local-logs": Checked(frozenset({"predictions"}), check_local_logs),
    "local-rest": Checked(frozenset({"deployments", "models", "releases"}), local_rest_rules),
    "git": Checked(frozenset({"commits"}), check_git, (LinesProvider,)),
    "local-data": Checked(frozenset({"data"}), check_local_data),
}
