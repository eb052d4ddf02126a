"""The reference booking API (FastAPI + SQLite) that also serves the page from the same origin."""
