"""The disk cache that every provider passes through."""
