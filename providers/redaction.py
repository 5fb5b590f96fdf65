"""Secrets out of every message: the one redaction step for errors, hop reasons and records.

A server may echo what we sent it (``invalid access token <token>``), and an SDK may put
that body into its exception text.  So every credential value modeltrail reads is
remembered here (:func:`remember_secret`), with the encodings it travels in — URL-encoded,
and base64 as in HTTP Basic auth (``:<pat>``, ``<user>:<pat>`` is caught by the header
pattern) — and :func:`redact` replaces each of them, plus anything shaped like a
credential whoever sent it (bearer and basic authorization values, SAS signatures,
account keys, passwords in URLs, JWTs).  :class:`providers.errors.ProviderError`, trail
hops and case snapshots pass their text through :func:`redact`; the console and the CLI
pass every other exception's text through it before showing it.
"""

from __future__ import annotations

import base64
import os
import re
import threading
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus

SECRET = "[secret removed]"  # noqa: S105 - the replacement text, not a password

# Shorter values would blank out ordinary words; real tokens, PATs and keys are far longer.
MIN_LENGTH = 8

_PATTERNS = (
    # URL query parameters that carry credentials (SAS signatures, tokens, keys).
    re.compile(
        r"(?i)([?&](?:sig|signature|token|access_token|api[-_]?key|key|code|password|secret|"
        r"client_secret)=)[^&#\s\"']+"
    ),
    # Connection-string parts.
    re.compile(
        r"(?i)\b((?:AccountKey|SharedAccessSignature|SharedAccessKey|Password|Pwd)=)[^;\s\"']+"
    ),
    # Credentials in a URL: scheme://user:password@host
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+(?=@)"),
    # Authorization values.
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*"),
    re.compile(r"(?i)(\bbasic\s+)[A-Za-z0-9+/]{12,}=*"),
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")


class _Remembered:
    """The remembered values, as one pattern (longest first, so no value is cut short)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: frozenset[str] = frozenset()
        self.pattern: re.Pattern[str] | None = None

    def add(self, forms: set[str]) -> None:
        with self._lock:
            values = self._values | forms
            if values != self._values:
                ordered = sorted(values, key=len, reverse=True)
                self.pattern = re.compile("|".join(re.escape(v) for v in ordered))
                self._values = values


_remembered = _Remembered()


def _encodings(value: str) -> set[str]:
    raw = value.encode()
    forms = {value, quote(value, safe=""), quote_plus(value)}
    for payload in (raw, b":" + raw):
        encoded = base64.b64encode(payload).decode()
        forms |= {encoded, encoded.rstrip("=")}
    return {f for f in forms if len(f) >= MIN_LENGTH}


# The parts of a SAS token or a connection string that are secrets on their own.
_SECRET_PARTS = frozenset({"sig", "accountkey", "sharedaccesskey", "sharedaccesssignature"})


def _parts(value: str) -> list[str]:
    """The secret parts of a SAS token (``…&sig=…``) or connection string (``…;AccountKey=…``)."""
    pairs = [tuple(p.split("=", 1)) for p in value.split(";") if "=" in p]
    pairs += parse_qsl(value.lstrip("?"))
    found = [v for k, v in pairs if k.strip().casefold() in _SECRET_PARTS]
    return found + [p for v in found for p in _parts(v) if p != v]


def remember_secret(value: str) -> str:
    """Remember a credential ``value``, its secret parts and their encodings for
    :func:`redact`; returns ``value`` stripped."""
    value = value.strip()
    forms: set[str] = set()
    for part in (value, *_parts(value)):
        if len(part) >= MIN_LENGTH:
            forms |= _encodings(part)
    if forms:
        _remembered.add(forms)
    return value


def secret_from_env(variable: str) -> str:
    """The value of environment variable ``variable`` (stripped; "" if unset), remembered."""
    return remember_secret(os.environ.get(variable, ""))


def redact(text: str) -> str:
    """``text`` without any remembered credential nor anything shaped like one."""
    pattern = _remembered.pattern
    if pattern is not None:
        text = pattern.sub(SECRET, text)
    for shaped in _PATTERNS:
        text = shaped.sub(lambda m: m.group(1) + SECRET, text)
    return _JWT.sub(SECRET, text)


def redact_strings(value: Any) -> Any:
    """A copy of JSON-ready ``value`` with every string (keys too) passed through
    :func:`redact`: what a case file holds, notes and snapshots alike."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(k): redact_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_strings(v) for v in value]
    return value
