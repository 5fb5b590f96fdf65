"""How far a hop of the trail is linked: light, so the console's first frame can show the
marks without importing the resolver."""

from __future__ import annotations

RESOLVED, UNCERTAIN, UNRESOLVED = "resolved", "uncertain", "unresolved"
