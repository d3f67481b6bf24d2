"""A loan officer asks the borrower for the documents still missing: a message with a signed, expiring upload link
for this lead only, through the messaging outbox (consent, quiet hours and sending caps apply there)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from firstcall.documents import needs
from firstcall.messaging.models import Message
from firstcall.messaging.services import queue_message


class NothingToRequest(ValueError):
    pass


def upload_link(lead) -> str:
    return settings.SITE_URL + reverse("borrower_upload", args=[needs.upload_token(lead)])


@transaction.atomic
def request_documents(lead, *, channel: str, actor) -> Message:
    missing = needs.missing_labels(lead)
    if not missing:
        raise NothingToRequest("Every document on the list is already here.")
    greeting = f"Hi {lead.first_name}, " if lead.first_name else "Hi, "
    organisation = lead.organisation.name
    wanted = "; ".join(missing)
    link = upload_link(lead)
    body = (
        f"{greeting}{organisation} needs these for your loan: {wanted}. Upload them securely (link works "
        f"{needs.UPLOAD_LINK_DAYS} days): {link}"
    )
    subject = "Documents for your loan" if channel == "email" else None
    return queue_message(
        lead,
        channel,
        body,
        subject=subject,
        purpose=Message.Purpose.MANUAL,
        is_marketing=False,
        sent_by=actor,
    )
