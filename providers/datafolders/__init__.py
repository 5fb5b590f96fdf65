"""Training-data folders as evidence: the read-only providers (a local folder, Azure Blob /
ADLS Gen2), manifests and their hashes, and the diff of two models' data."""
