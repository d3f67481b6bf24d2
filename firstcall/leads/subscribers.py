"""What the leads app does when something happens elsewhere. Listed in settings.EVENT_SUBSCRIBERS (before the
journeys, so a reply is counted before the journey rescores the lead); see docs/events.md."""

from firstcall.leads.services import count_reply


def count_borrower_reply(event) -> dict:
    """A borrower's text or email reply stored against a lead is one more reply on its engagement count, in the
    transaction that stored it."""
    lead_id = event.payload["lead_id"]
    if lead_id is None:
        return {"counted": False, "why": "the reply matched no lead"}
    return {"counted": bool(count_reply(lead_id))}


IN_TRANSACTION = {
    "message.received": [count_borrower_reply],
}

SUBSCRIBERS: dict = {}
