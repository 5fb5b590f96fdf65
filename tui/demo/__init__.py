"""The built-in demo workspace: a deterministic mortgage-approval case."""
