"""The ``modeltrail`` command line: :mod:`~tui.cli.main` parses and runs each sub-command
(light on purpose: Textual and the SDKs load only where needed), :mod:`~tui.cli.case` the
``modeltrail case`` ones, :mod:`~tui.cli.screenshots` saves an SVG of each pane of the demo."""
