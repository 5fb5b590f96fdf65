"""Case files: a named investigation saved as JSON, and the evidence report exported from it.

No Textual here (the console, the CLI and the tests all use it).  The modules:

- :mod:`providers.case.model` — the case records and the file format (``schema_version``);
- :mod:`providers.case.codec` — case to JSON and back, with clear errors for bad files;
- :mod:`providers.case.store` — the cases folder in the user data dir, atomic writes;
- :mod:`providers.case.snapshot` — trail and records into a case, and a ``Trail`` back;
- :mod:`providers.case.availability` — which objects of a case are gone from backends/cache;
- :mod:`providers.case.evidence` — the evidence document: items with SHA-256, manifest;
- :mod:`providers.case.report_markdown`, :mod:`~providers.case.report_html`,
  :mod:`~providers.case.exports` — the three export formats;
- :mod:`providers.case.verify` — check an exported report.
"""
