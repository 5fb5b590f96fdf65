"""Console panes, one module per pane, each on :class:`tui.panes.base.Pane` (workers,
errors, the messages a pane sends); :mod:`tui.panes.registry` lists them in key order."""
