"""The modeltrail console (Textual) and command line, by role:

- :mod:`tui.cli` — the ``modeltrail`` command line and its sub-commands (entry point
  ``tui.cli.main:main``);
- :mod:`tui.console` — the app, its factory and session, and the delegates it wires
  (cases, command palette, key map, quitting);
- :mod:`tui.panes` — one module per pane on a small base class, and their registry;
- :mod:`tui.widgets` — widgets and dialogs the app and panes share;
- :mod:`tui.render` — records into rows, plots, commit views and plain text, and the
  navigation history: no Textual (a test enforces it);
- :mod:`tui.cases`, :mod:`tui.demo` — case files and evidence export, the demo
  generator: headless too.
"""
