"""What the console works on: the profile's backends, the resolver, the trail, the history,
and the case being investigated (if any).

No Textual here, so the same session can drive the app, tests and the screenshot command.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cache.layer import ProviderCache
from providers.backends import Backends
from providers.config import CaseSettings
from providers.trail.explanation import DecisionRule
from providers.trail.resolver import Trail, TrailResolver
from tui.cases.case_folder import CaseStore
from tui.cases.recorder import CaseRecorder
from tui.render.history import History


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
    case_store: CaseStore = field(default_factory=CaseStore)
    case_settings: CaseSettings = field(default_factory=CaseSettings)
    decision_rule: DecisionRule = field(default_factory=DecisionRule)

    def __post_init__(self) -> None:
        self.resolver = TrailResolver(self.backends, rule=self.decision_rule)

    def close(self) -> None:
        """Release the providers and the cache."""
        self.backends.close()
        if self.cache is not None:
            self.cache.store.close()
