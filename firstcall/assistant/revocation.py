"""What the compliance rules say about a reply: revocation is never the model's decision alone."""

from firstcall.assistant.engine import Revocation
from firstcall.messaging.compliance import classify_inbound_keywords


def revocation_of(text: str) -> Revocation:
    found = classify_inbound_keywords(text)
    return Revocation(
        revokes=found.kind == "opt_out",
        matched=found.matched or "",
        needs_review=found.kind == "possible_opt_out",
    )
