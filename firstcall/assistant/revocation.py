"""What the compliance rules say about a reply: revocation is never the model's decision alone."""

from firstcall.assistant.engine import Revocation
from firstcall.compliance.engine import optout


def revocation_of(text: str) -> Revocation:
    found = optout.check(text)
    return Revocation(revokes=found.revokes, matched=found.matched or "", needs_review=found.needs_review)
