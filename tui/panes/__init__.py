"""Console panes, one module per pane."""
