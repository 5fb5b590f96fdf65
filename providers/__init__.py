"""Domain records, provider interfaces, backends and the trail resolver (no UI code here)."""
