"""The config file's ``[case]`` table::

[case]
# Fields of prediction payloads (inputs and outputs, any depth, any letter case)
# masked in every evidence export unless --include-personal-data is given.
personal_fields = ["applicant_name", "email", "ssn"]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from providers.errors import ConfigError

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
    unknown = sorted(set(table) - {"personal_fields"})
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    fields = table.get("personal_fields", DEFAULT_PERSONAL_FIELDS)
    if not isinstance(fields, list | tuple) or not all(isinstance(f, str) for f in fields):
        raise ConfigError(f'{where}: personal_fields is a list of field names, e.g. ["email"]')
    return CaseSettings(tuple(fields))
