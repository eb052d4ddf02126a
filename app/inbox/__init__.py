"""The therapist's inbox (``inbox.html``): the same offline-first core as the customer's page.

    api.py            JSON calls with the therapist's bearer; 401 anywhere signs out (``WatchedTransport``)
    auth.py           sign in / sign out, the token kept on the device (``TherapistAuth``)
    conversations.py  the conversation list, newest activity first, cached for offline (``ConversationList``)
    conversation.py   the open conversation: messages by id in server order, read mark, bookings
    replies.py        reply drafts per conversation, written debounced (``ReplyDrafts``)
    outgoing.py       replies on their way, exactly once, with their status (``ReplyOutbox``)
    actions.py        answers to bookings (accept, decline, cancel, complete), exactly once (``BookingActions``)
    bookings.py       a booking as the therapist sees it and the buttons allowed now; ``UpcomingBookings`` by day
    when.py           a booking's time in the therapist's zone, and system lines from their event
    inbox.py          the coordinator the page drives (``Inbox``): pollers, read marking, sending

Imports ``domain``, ``persistence``, ``outbox`` and ``chat`` only; no ``js``.
"""
