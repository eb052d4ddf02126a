"""Database engines besides the embedded SQLite file (``backend.db``): today ``postgres``.

``backend.db.open_database`` chooses one from ``DATABASE_URL``; nothing else imports an engine.
"""
