"""The TOML configuration: named profiles saying which provider serves each concern.

Example (``config.toml`` in the user config dir, or ``--config FILE``)::

    default_profile = "prod"

    [profiles.demo]
    workspace = "~/.local/share/modeltrail/demo"   # local providers for every concern

    [profiles.prod.predictions]
    provider = "azure-blob"
    account_url = "https://contoso.blob.core.windows.net"

    [profiles.prod.commits]
    provider = "git"
    path = "~/src/mortgage-model"

Secrets are never read from this file: providers take credentials from azure-identity
or from an environment variable whose *name* the profile gives.  Keys that look like
secrets are rejected, at any depth of a provider's table.  Every bad value is an error
naming the key and the file: a wrong type, a folder or container name that leaves its
base (``v1_container = "../../etc"``), a document nested too deeply to read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_config_path

from providers.errors import ConfigError
from providers.protocols import CONCERNS
from providers.settings_check import Key, check_table, no_secrets, unchecked
from providers.trail.explanation import DecisionRule

_TOP_KEYS = unchecked("default_profile", "profiles", "keys", "cache", "case")
_PROFILE_KEYS = {
    "workspace": Key(),
    "description": Key(),
    **unchecked("cache", "explanation", *CONCERNS),
}
_CASE_KEYS = unchecked("personal_fields")
_EXPLANATION_KEYS = {
    name: Key(filled=True) for name in ("score", "decision", "threshold", "above", "below")
}
# Settings naming a folder or container inside the provider's base: no ".." segment.
_CONTAINED = ("v1_container", "v2_prefix", "container", "prefix")


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """Which provider serves a concern, with its settings table."""

    provider: str
    settings: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Profile:
    """A named set of providers, one per concern (a concern may be left out)."""

    name: str
    base_dir: Path
    concerns: Mapping[str, ProviderSpec]
    description: str = ""
    cache: Mapping[str, Any] = field(default_factory=dict)  # see cache.settings
    explanation: DecisionRule = field(default_factory=DecisionRule)
    where: str = ""  # the file and table it is read from, for messages naming a key


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration file."""

    path: Path | None
    profiles: Mapping[str, Profile]
    default_profile: str | None = None
    keys: Mapping[str, str] = field(default_factory=dict)
    cache: Mapping[str, Any] = field(default_factory=dict)
    case: Mapping[str, Any] = field(default_factory=dict)  # see providers.config

    def profile(self, name: str | None) -> Profile:
        """The named profile, else the default, else the only one; ConfigError otherwise."""
        chosen = name or self.default_profile
        if chosen is None and len(self.profiles) == 1:
            chosen = next(iter(self.profiles))
        if chosen is None:
            raise ConfigError(
                "no profile chosen", hint="pass --profile NAME or set default_profile"
            )
        if chosen not in self.profiles:
            known = ", ".join(sorted(self.profiles)) or "none"
            where = f" in {self.path}" if self.path else ""
            raise ConfigError(f"unknown profile {chosen!r}{where} (profiles: {known})")
        return self.profiles[chosen]


def default_config_path() -> Path:
    """``config.toml`` in the platform's user config dir."""
    return user_config_path("modeltrail") / "config.toml"


def workspace_profile(workspace: Path, name: str = "workspace") -> Profile:
    """A profile serving every concern from a local workspace folder (the demo's layout)."""
    root = workspace.expanduser().resolve()
    docs = ProviderSpec("local-rest", {"path": "docs"})
    return Profile(
        name=name,
        base_dir=root,
        concerns={
            "predictions": ProviderSpec("local-logs", {"path": "blobs"}),
            "deployments": docs,
            "models": docs,
            "releases": docs,
            "commits": ProviderSpec("git", {"path": "repo"}),
            "data": ProviderSpec("local-data", {"path": "."}),
        },
        description=f"local workspace {root}",
    )


def load_config(path: Path | None = None) -> Config:
    """Read and validate the config file; a missing default file is an empty config."""
    target = path or default_config_path()
    if not target.exists():
        if path is not None:
            raise ConfigError(f"config file not found: {path}")
        return Config(path=None, profiles={})
    import tomllib  # noqa: PLC0415 - ~5 ms: only when there is a file to read

    try:
        data = tomllib.loads(target.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{target}: {exc}") from None
    except RecursionError:
        raise ConfigError(
            f"{target}: arrays or tables are nested too deeply to read",
            hint="a config needs a few levels at most",
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {target}: {exc.strerror or exc}") from None
    return parse_config(data, target)


def parse_config(data: Mapping[str, Any], path: Path) -> Config:
    """Validate a parsed TOML document; unknown keys are errors naming key and file."""
    check_table(data, _TOP_KEYS, str(path))
    profiles: dict[str, Profile] = {}
    raw_profiles = data.get("profiles", {})
    if not isinstance(raw_profiles, Mapping):
        raise ConfigError(f"{path}: [profiles] must be a table")
    for name, table in raw_profiles.items():
        profiles[name] = _profile(name, table, path)
    default = data.get("default_profile")
    if default is not None and default not in profiles:
        raise ConfigError(f"{path}: default_profile {default!r} is not a profile")
    keys = data.get("keys", {})
    if not isinstance(keys, Mapping) or not all(isinstance(v, str) for v in keys.values()):
        raise ConfigError(f"{path}: [keys] maps action names to key strings")
    case = data.get("case", {})
    if not isinstance(case, Mapping):
        raise ConfigError(f"{path}: [case] must be a table")
    case_settings(case, f"{path}: [case]")
    return Config(path, profiles, default, dict(keys), dict(data.get("cache", {})), dict(case))


def _profile(name: str, table: Any, path: Path) -> Profile:
    where = f"{path}: profile {name!r}"
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table")
    check_table(table, _PROFILE_KEYS, where)
    if "workspace" in table:
        base = workspace_profile(Path(str(table["workspace"])), name)
        concerns = dict(base.concerns)
        base_dir = base.base_dir
    else:
        concerns, base_dir = {}, path.parent
    for concern in CONCERNS:
        if concern in table:
            spec = table[concern]
            provider = spec.get("provider") if isinstance(spec, Mapping) else None
            if not isinstance(provider, str) or not provider:
                raise ConfigError(f'{where}: [{concern}] needs provider = "NAME"')
            settings = {k: v for k, v in spec.items() if k != "provider"}
            no_secrets(settings, f"{where} [{concern}]")
            _contained(settings, f"{where} [{concern}]")
            concerns[concern] = ProviderSpec(provider, settings)
    cache = table.get("cache", {})
    if not isinstance(cache, Mapping):
        raise ConfigError(f"{where}: cache must be a table, e.g. cache = {{ enabled = false }}")
    rule = _decision_rule(table.get("explanation", {}), f"{where} [explanation]")
    description = str(table.get("description", ""))
    return Profile(name, base_dir, concerns, description, dict(cache), rule, where)


def _decision_rule(table: Any, where: str) -> DecisionRule:
    """The ``[profiles.NAME.explanation]`` table: how the model decides (see DecisionRule)."""
    if not isinstance(table, Mapping):
        raise ConfigError(f'{where} must be a table, e.g. explanation = {{ score = "p" }}')
    check_table(table, _EXPLANATION_KEYS, where)
    threshold = table.get("threshold", "param:threshold")
    kind, _, name = threshold.partition(":")
    if kind not in ("param", "tag") or not name:
        raise ConfigError(
            f"{where}: threshold = {threshold!r} says neither param:NAME nor tag:NAME",
            hint='e.g. threshold = "param:threshold" (a run parameter) or "tag:cutoff"',
        )
    return DecisionRule(**{k: table[k] for k in _EXPLANATION_KEYS if k in table})


def _contained(settings: Mapping[str, Any], where: str) -> None:
    """Folder and container names stay inside the provider's base."""
    for key in _CONTAINED:
        if key not in settings:
            continue
        value = settings[key]
        if not isinstance(value, str):
            raise ConfigError(f"{where}: {key} must be a string, not {value!r}")
        if ".." in value.replace("\\", "/").split("/"):
            raise ConfigError(
                f"{where}: {key} = {value!r} leaves the folder it names a place in",
                hint="give a name inside it, without '..'",
            )


# -- the [case] table ---------------------------------------------------------------------
# [case]
# # Fields of prediction payloads (inputs and outputs, any depth, any letter case)
# # masked in every evidence export unless --include-personal-data is given.
# personal_fields = ["applicant_name", "email", "ssn"]

DEFAULT_PERSONAL_FIELDS = (
    "name",
    "applicant_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "ssn",
    "national_id",
    "date_of_birth",
    "address",
    "postcode",
    "zip_code",
    "applicant_age",
)


@dataclass(frozen=True, slots=True)
class CaseSettings:
    """Settings of case files and evidence exports."""

    personal_fields: tuple[str, ...] = DEFAULT_PERSONAL_FIELDS


def case_settings(table: Mapping[str, Any] | None, where: str = "[case]") -> CaseSettings:
    """Validate the ``[case]`` table (missing: the defaults)."""
    table = table or {}
    check_table(table, _CASE_KEYS, where)
    fields = table.get("personal_fields", DEFAULT_PERSONAL_FIELDS)
    if not isinstance(fields, list | tuple) or not all(isinstance(f, str) for f in fields):
        raise ConfigError(f'{where}: personal_fields is a list of field names, e.g. ["email"]')
    return CaseSettings(tuple(fields))
