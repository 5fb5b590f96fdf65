"""The id index of closed days, for lookups by request or correlation id.

- ``id_index.py``: ``IdIndex``, the on-disk index (SQLite metadata, packed id buckets):
  id → file, block and line;
- ``background_indexer.py``: fills it from closed partitions, in a daemon thread after
  each lookup, and checks it against the store.
"""
