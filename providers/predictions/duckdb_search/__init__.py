"""Field-filtered page search in DuckDB (imported on the first such search, never at start).

- ``filter_sql.py``: the query's field filters as SQL with bound parameters (a prefilter);
- ``csv_search.py``: ``DuckSearch``, the connection, and the v1 (CSV) partition queries;
- ``jsonl_search.py``: v2 (JSONL) partitions: DuckDB picks the lines, Python parses them;
- ``read_ahead.py``: ``ReadAhead``, queries run in a thread ahead of the page search.

(Not named ``duckdb``: that would read as the library itself.)
"""
