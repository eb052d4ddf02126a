"""Read receipts from the customer's side: tell the server which therapist replies the page showed.

The rule is the therapist's own (opening a conversation marks the customer's messages read): a
reply counts as read once the customer's page has shown it while visible. ``shown(seq)`` sends
``POST <api>/conversations/<session>/read?through=<seq>`` once per newer seq; a mark that did
not get through (offline, a server error) is asked again the next time the page shows replies.
A lost mark costs only a late ``Read`` on the therapist's side, so it is not an outbox item.

Example::

    receipts = ReadReceipts(sender, "session_t-ayu_<customer id>")
    receipts.shown(7)     # the newest reply on the visible page has seq 7
"""

from __future__ import annotations

from urllib.parse import quote

from app.domain.errors import NetworkError
from app.outbox.sender import OutboxSender, api_url


class ReadReceipts:
    def __init__(self, sender: OutboxSender, session_id: str) -> None:
        self.sender, self.session_id = sender, session_id
        self.marked = 0  # the highest seq a mark was sent (or is on its way) for

    def shown(self, newest_reply_seq: int) -> None:
        """The visible page shows the therapist's replies up to ``newest_reply_seq``."""
        if newest_reply_seq <= self.marked:
            return
        previous, self.marked = self.marked, newest_reply_seq
        self.sender.spawn(self._send(newest_reply_seq, previous))

    async def _send(self, through: int, previous: int) -> None:
        path = f"conversations/{quote(self.session_id, safe='')}/read?through={through}"
        try:
            response = await self.sender.transport.request("POST", api_url(self.sender.api_base, path),
                                                           headers=self.sender.credentials())
            delivered = 200 <= response.status < 300
        except NetworkError:
            delivered = False  # offline: the next reply shown (or the page shown again) asks again
        if not delivered and self.marked == through:
            self.marked = previous
