"""Case files: a named investigation saved as JSON, and the evidence report exported from it.

No Textual here (the console, the CLI and the tests all use it; a test enforces it).
The modules:

- :mod:`tui.cases.model` — the case records and the file format (``schema_version``);
- :mod:`tui.cases.codec` — case to JSON and back, with clear errors for bad files;
- :mod:`tui.cases.case_folder` — the cases folder in the user data dir, atomic writes;
- :mod:`tui.cases.snapshot` — trail and records into a case, and a ``Trail`` back;
- :mod:`tui.cases.availability` — which objects of a case are gone from backends/cache;
- :mod:`tui.cases.evidence` — the evidence document: items with SHA-256, manifest;
- :mod:`tui.cases.report_markdown`, :mod:`~tui.cases.report_html`,
  :mod:`~tui.cases.exports` — the three export formats;
- :mod:`tui.cases.verify` — check an exported report;
- :mod:`tui.cases.recorder` — what the console records into the open case;
- :mod:`tui.cases.redact`, :mod:`~tui.cases.embed`, :mod:`~tui.cases.report_layout`,
  :mod:`~tui.cases.atomic` — masking, embedded evidence, report layout, atomic writes.
(The ``[case]`` table's settings are part of :mod:`providers.config`.)
"""
