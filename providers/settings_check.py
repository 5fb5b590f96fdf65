"""One validator for settings tables: unknown keys, missing ones, values of the wrong type
and keys that look like secrets, each a ConfigError naming the key and where it is.

A table is declared as its keys (:class:`Key`: the types a value may have, whether it is
required, whether a string may be empty); :func:`check_table` checks a table against it.
``where`` names the table as the caller knows it (``"<file>: profile 'prod'"``,
``"[cache]"``); a provider's own table names the provider instead (``provider=``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from providers.errors import ConfigError

_SECRET_WORDS = ("password", "secret", "token", "pat", "key", "connection_string", "sas")
_NAMES = {str: "a string", list: "a list", dict: "a table", bool: "true or false"}


@dataclass(frozen=True, slots=True)
class Key:
    """What one key of a table may hold."""

    types: tuple[type, ...] = (str,)
    required: bool = False
    filled: bool = False  # a string must not be empty
    hint: str = ""  # said when a required key is missing

    @property
    def what(self) -> str:
        """The expected value in words ("a non-empty string")."""
        names = " or ".join(_NAMES.get(t, t.__name__) for t in self.types)
        return names.replace("a string", "a non-empty string") if self.filled else names


def unchecked(*names: str) -> dict[str, Key]:
    """Keys whose values their reader checks (only an unknown key is an error here)."""
    return dict.fromkeys(names, Key(types=(object,)))


def check_table(
    table: Mapping[str, Any],
    keys: Mapping[str, Key],
    where: str = "",
    *,
    provider: str = "",
    unknown: str = "",
) -> None:
    """ConfigError for the first problem of ``table`` against ``keys``.

    Unknown keys are listed (sorted) as ``{where}: unknown key(s) a, b``, or for a
    provider's table ``unknown setting(s) for {provider}: a, b`` with the known ones as a
    hint; ``unknown`` replaces that wording (``{first}``: the first unknown key).
    """
    extra = [key for key in table if key not in keys]
    if extra:
        known = ", ".join(sorted(keys))
        names = ", ".join(sorted(extra))
        if unknown:
            text = unknown.format(first=extra[0], names=names)
            raise ConfigError(text, hint=f"use {', '.join(keys)}", provider=provider)
        if provider:
            raise ConfigError(f"unknown setting(s) for {provider}: {names}", hint=f"known: {known}")
        raise ConfigError(f"{where}: unknown key(s) {names}")
    prefix = f"{where}: " if where else ""
    for name, key in keys.items():
        value = table.get(name)
        if name not in table or (isinstance(value, key.types) and _allowed(value, key)):
            continue
        shown = "" if provider else f", not {value!r}"
        raise ConfigError(f"{prefix}{name} must be {key.what}{shown}", provider=provider)
    for name, key in keys.items():
        if key.required and name not in table:
            raise ConfigError(f"{prefix}{name} is required", hint=key.hint, provider=provider)


def _allowed(value: object, key: Key) -> bool:
    """Not a bool where a number is meant (bool is an int), not empty where filled."""
    if isinstance(value, bool) and bool not in key.types and object not in key.types:
        return False
    return not (key.filled and value == "")


def looks_secret(key: str) -> bool:
    """True for a settings key that names a secret itself (``*_env`` names are fine)."""
    lowered = key.lower()
    words = lowered.replace("-", "_").split("_")
    return not lowered.endswith("_env") and any(w in _SECRET_WORDS for w in words)


def no_secrets(settings: Mapping[str, Any], where: str) -> None:
    """ConfigError for a key that looks like a secret, at any depth of ``settings``."""
    for path, key in _keys(settings):
        if looks_secret(key):
            raise ConfigError(
                f"{where}: {path!r} looks like a secret; secrets are never read from the config",
                hint=f'put it in an environment variable and set {key}_env = "VAR_NAME"',
            )


def _keys(table: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted path, key) of every key of ``table``, in nested tables and lists too."""
    for key, value in table.items():
        path = f"{prefix}{key}"
        yield path, key
        values = value if isinstance(value, list) else [value]
        for n, item in enumerate(values):
            if isinstance(item, Mapping):
                where = f"{path}[{n}]." if isinstance(value, list) else f"{path}."
                yield from _keys(item, where)
