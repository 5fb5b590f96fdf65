"""The one app factory, used by the CLI, the tests and the screenshot command."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cache.open import open_cached
from providers.config import Profile, workspace_profile

if TYPE_CHECKING:
    from tui.cases.recorder import CaseRecorder
    from tui.console.app import ModeltrailApp
    from tui.panes.session import Session


def tune_for_terminal(environ: Mapping[str, str] | None = None) -> None:
    """Over SSH: fewer frames per second and no animations (must run before Textual loads)."""
    env = os.environ if environ is None else environ
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY"):
        os.environ.setdefault("TEXTUAL_FPS", "15")
        os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")


def workspace_of(profile: Profile) -> str | None:
    """The folder of a profile that serves everything from a local workspace (as the demo)."""
    plain = workspace_profile(profile.base_dir, profile.name)
    return str(profile.base_dir) if dict(profile.concerns) == dict(plain.concerns) else None


def build_app(
    profile: Profile,
    *,
    initial_query: str = "",
    initial_select: str | None = None,
    question: str = "",
    keymap: Mapping[str, str] | None = None,
    cache: Mapping[str, Any] | None = None,
    offline: bool = False,
    case: CaseRecorder | None = None,
    case_table: Mapping[str, Any] | None = None,
    profiles: Mapping[str, Profile] | None = None,
) -> ModeltrailApp:
    """The console on ``profile``'s backends, behind the cache unless the profile says not.

    ``cache`` and ``case_table`` are the config file's ``[cache]`` and ``[case]`` tables;
    ``case`` is a case to restore (panes, trail, history) and record into; ``question`` is
    the auditor's question, shown under the top bar and kept by a case started here;
    ``profiles`` are the configured ones the palette can switch to (opened the same way).
    """
    from tui.console.app import ModeltrailApp  # noqa: PLC0415 - Textual loads only when the app runs

    known = {profile.name: profile, **(profiles or {})}  # the one opened can be come back to
    opener = SessionOpener(known, cache, offline, case_table)
    session = opener.open(
        profile,
        initial_query=initial_query or (case.case.console.query if case is not None else ""),
        initial_select=initial_select,
        question=question,
        case=case,
    )
    return ModeltrailApp(session, keymap=keymap, opener=opener)


@dataclass(frozen=True)
class SessionOpener:
    """How the console opens a profile (at start, and on switching profile): its providers
    behind the cache, with the config file's ``[cache]`` and ``[case]`` tables."""

    profiles: Mapping[str, Profile]
    cache: Mapping[str, Any] | None = None
    offline: bool = False
    case_table: Mapping[str, Any] | None = None

    def open(
        self,
        profile: Profile,
        *,
        initial_query: str = "",
        initial_select: str | None = None,
        question: str = "",
        case: CaseRecorder | None = None,
    ) -> Session:
        """A session on ``profile``; ConfigError for a mistake in its tables."""
        from providers.config import case_settings  # noqa: PLC0415
        from tui.panes.session import Session  # noqa: PLC0415

        warnings: list[str] = []
        backends, provider_cache = open_cached(
            profile, self.cache, offline=self.offline, warn=warnings.append
        )
        return Session(
            backends,
            profile_label=f"profile {profile.name}: {profile.description}".strip(": "),
            profile_name=profile.name,
            workspace=workspace_of(profile),
            initial_query=initial_query,
            initial_select=initial_select,
            question=question,
            cache=provider_cache,
            warnings=warnings,
            case=case,
            case_settings=case.settings if case is not None else case_settings(self.case_table),
            decision_rule=profile.explanation,
        )
