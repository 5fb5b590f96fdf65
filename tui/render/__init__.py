"""What the console shows, computed without Textual (a test enforces it): table rows
(:mod:`~tui.render.rows`), curve plots and model comparisons (:mod:`~tui.render.plots`,
:mod:`~tui.render.compare`), commit views (:mod:`~tui.render.commitview`), a model version
and its run (:mod:`~tui.render.models`), a pane's error and cache-age lines
(:mod:`~tui.render.status`), trails and commits as plain text for the command line
(:mod:`~tui.render.report`), terminal-safe text (:mod:`~tui.render.plain`) and the
navigation history (:mod:`~tui.render.history`)."""
