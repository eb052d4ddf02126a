"""What the page keeps in ``localStorage``: every key, the versioned envelope, storage that never throws.

Imports only ``app.domain``. The records themselves (drafts, history, outbox) belong to the
rooms above that own them.
"""
