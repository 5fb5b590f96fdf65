"""The console app and what it wires: :mod:`~tui.console.app` (panes, breadcrumb, keys, and
the routing of what panes say), :mod:`~tui.console.launch` (the one app factory),
:mod:`~tui.panes.session` (backends, trail, history, case), the delegates
:mod:`~tui.console.casecontrol`, :mod:`~tui.console.commands` and
:mod:`~tui.console.casecommands` (case behaviour, command palette),
:mod:`~tui.console.keymap` (the ``[keys]`` table) and :mod:`~tui.console.quitting`."""
