"""Signed unsubscribe links: /u/<token>/ names the organisation, the address and the lead, and cannot be
forged.

Tokens do not expire: CAN-SPAM requires the opt-out to keep working for at least 30 days after sending
(REFERENCE.md §4.5), and an old link that still works harms no one."""

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "firstcall.messaging.unsubscribe"


@dataclass(frozen=True)
class UnsubscribeTarget:
    organisation_id: int
    channel: str
    address: str
    lead_id: int | None


def make_token(*, organisation_id: int, address: str, lead_id: int | None, channel: str = "email") -> str:
    return signing.dumps(
        {"o": organisation_id, "c": channel, "a": address, "l": lead_id}, salt=SALT, compress=True
    )


def read_token(token: str) -> UnsubscribeTarget | None:
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("o"), int) or not isinstance(data.get("a"), str):
        return None
    lead_id = data.get("l")
    return UnsubscribeTarget(
        organisation_id=data["o"],
        channel=data.get("c") or "email",
        address=data["a"],
        lead_id=lead_id if isinstance(lead_id, int) else None,
    )


def unsubscribe_url(*, organisation_id: int, address: str, lead_id: int | None) -> str:
    token = make_token(organisation_id=organisation_id, address=address, lead_id=lead_id)
    return f"{settings.SITE_URL}/u/{token}/"


def unsubscribe_url_for(message) -> str:
    return unsubscribe_url(
        organisation_id=message.organisation_id, address=message.to_address, lead_id=message.lead_id
    )
