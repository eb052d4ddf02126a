"""Everything outgoing: the persisted outbox, its sender, the send lease, backoff and answers.

Imports ``app.domain`` and ``app.persistence``, never ``app.drafts``: the draft manager and
the sender meet only in ``app.checkout``.
"""
