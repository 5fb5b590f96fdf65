"""The two log formats, parsed: bytes into physical lines, lines into rows or records.

- ``lines.py``: lines of a binary stream (over-long ones skipped), picked by number;
- ``csv_v1.py``: v1 model data collection CSV (header, rows, value coercion);
- ``jsonl_v2.py``: v2 data collector JSONL records.

Nothing here knows folders or stores; ``join.py`` (one level up) makes predictions of them.
"""
