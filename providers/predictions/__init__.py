"""The log engine: model data collection logs (v1 CSV, v2 JSONL) read as predictions.

A provider holds a :class:`~providers.predictions.reader.LogReader` (``reader.py``) over
a :class:`~providers.predictions.log_store.LogStore` (``log_store.py``: a local folder;
the blob one is ``providers/blob/blob_log_store.py``).  Folders are walked by
``folder_layout.py`` (a partition is a day or hour folder of one collection), bytes
become lines and rows in ``formats/`` (``lines``, ``csv_v1``, ``jsonl_v2``), rows become
predictions in ``join.py`` (inputs with their outputs), and ``paging.py`` fills the
pages both jobs return.  Three paths:

1. **Id lookup** (``id_lookup.py``): closed days from the id index (``index/id_index.py``,
   SQLite metadata and id buckets: id → file, block, line), filled in the background by
   ``index/background_indexer.py``; every other file is scanned for the id's bytes
   (``scan.py``, through the store) and only the lines holding it are parsed.
2. **Page search in Python** (``page_search.py``): time-pruned folders oldest first,
   each partition's outputs read alongside its inputs, pages streamed.
3. **Page search in DuckDB** (``duckdb_search/``): with field filters, partitions that
   DuckDB reads as Python would are prefiltered in SQL (``filter_sql``, ``csv_search``
   for v1, ``jsonl_search`` for v2), queried ahead in a thread (``read_ahead``).  The
   hand-off is in ``page_search.py``: the first partition is parsed in Python until the
   first page is out, then DuckDB takes the rest of it (a v1 one it can read) and the
   partitions after.

Garbage collection is held back while a batch of rows becomes records
(``providers.runtime_tuning.collection_deferred``).
"""
