"""What the console works on: the profile's backends, the resolver, the trail, the history,
and the case being investigated (if any).

No Textual here, so the same session can drive the app, tests and the screenshot command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from providers.config import CaseSettings
from providers.trail.explanation import DecisionRule
from tui.render.history import History

if TYPE_CHECKING:  # the resolver and the case store are imported on first use (start-up)
    from cache.layer import ProviderCache
    from providers.backends import Backends
    from providers.trail.resolver import Trail, TrailResolver
    from tui.cases.case_folder import CaseStore
    from tui.cases.recorder import CaseRecorder


@dataclass
class Session:
    """State shared by every pane of one console."""

    backends: Backends
    profile_label: str = ""
    profile_name: str = ""
    workspace: str | None = None  # the local workspace the profile serves, if it is one
    initial_query: str = ""
    initial_select: str | None = None
    notice: str = ""
    question: str = ""  # the auditor's question (the demo's); an open case's own comes first
    trail: Trail | None = None
    history: History = field(default_factory=History)
    cache: ProviderCache | None = None
    warnings: list[str] = field(default_factory=list)
    case: CaseRecorder | None = None
    case_settings: CaseSettings = field(default_factory=CaseSettings)
    decision_rule: DecisionRule = field(default_factory=DecisionRule)

    @cached_property
    def resolver(self) -> TrailResolver:
        """Links the trail's hops (built when first asked: the first frame does not need it)."""
        from providers.trail.resolver import TrailResolver  # noqa: PLC0415

        return TrailResolver(self.backends, rule=self.decision_rule)

    @cached_property
    def case_store(self) -> CaseStore:
        """Where cases are kept (the user's data folder unless a test sets another)."""
        from tui.cases.case_folder import CaseStore  # noqa: PLC0415

        return CaseStore()

    def close(self) -> None:
        """Release the providers and the cache."""
        self.backends.close()
        if self.cache is not None:
            self.cache.store.close()
