"""Azure Blob Storage predictions provider (model data collection logs)."""
