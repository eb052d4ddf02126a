"""The draft manager: one chat session's booking draft, chat history and scroll position.

``app.drafts.session.ChatBookingStorageService`` is the façade the page talks to; it never
sends anything (that is ``app.outbox``; ``app.checkout`` joins the two).
"""
