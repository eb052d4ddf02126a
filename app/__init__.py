"""Chat Booking: the Python that runs in the page (and, for tests, under CPython).

The rooms, lowest first; a room imports only from the rooms before it
(``tests/unit/test_architecture.py`` holds that)::

    app.domain       models, catalog, validation, prefill, errors, ports, words
    app.persistence  storage keys, the versioned envelope, storage that never throws, identity
    app.drafts       the draft manager (drafts, chat history, housekeeping)
    app.outbox       everything outgoing: outbox, sender, lease, responses, backoff
    app.checkout     where drafts and the outbox meet: from draft to confirmed booking
    app.ui           presenters: core state as the words the page shows
    app.browser      the only importer of js / pyodide / pyscript
"""
