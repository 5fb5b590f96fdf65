"""Built-in local providers: a folder laid out like the cloud storage, and JSON documents."""
