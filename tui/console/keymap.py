"""The config file's ``[keys]`` table: binding ids (``"pane.commits" = "f5"``) the console
knows, checked before it starts, so a misspelt action is an error, not silently ignored."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from textual.binding import Binding
from textual.dom import DOMNode

from providers.errors import ConfigError


def _classes(base: type[DOMNode]) -> Iterator[type[DOMNode]]:
    for cls in base.__subclasses__():
        yield cls
        yield from _classes(cls)


def binding_ids() -> set[str]:
    """The id of every binding of the console's screens, panes and dialogs."""
    import tui.console.app  # noqa: PLC0415 - defines (and imports) most classes with bindings
    import tui.widgets.help  # noqa: PLC0415 - screens built when asked for
    import tui.widgets.trailview  # noqa: F401, PLC0415
    from tui.panes.registry import PANES  # noqa: PLC0415

    for entry in PANES:  # the panes are imported when first shown
        entry.load()

    return {
        binding.id
        for cls in _classes(DOMNode)
        for binding in getattr(cls, "BINDINGS", ())
        if isinstance(binding, Binding) and binding.id
    }


def check_keymap(keymap: Mapping[str, str], where: str) -> None:
    """ConfigError naming the action and ``where`` (the file) for an unknown action."""
    unknown = sorted(set(keymap) - binding_ids())
    if unknown:
        raise ConfigError(
            f"{where}: [keys] has unknown action(s) {', '.join(map(repr, unknown))}",
            hint="the actions are the binding ids, e.g. pane.commits, case.bookmark, quit",
        )
