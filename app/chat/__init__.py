"""The conversation with the other side: what arrives (long polls) and how it meets what we send.

Beside ``app.checkout`` in the house: it joins the chat history (``app.drafts``) with the
outbox (``app.outbox``) for chat messages, as the checkout joins the draft with it for
bookings. ``app.inbox`` (the therapist's page) uses its poller too.
"""
