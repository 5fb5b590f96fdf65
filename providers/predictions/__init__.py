"""Model data collection logs: folder layouts, parsers (v1 CSV, v2 JSONL) and the join."""
