"""What cadences do when something happens elsewhere. Listed in settings.EVENT_SUBSCRIBERS; docs/events.md."""

from firstcall.accounts.models import Organisation
from firstcall.cadences.editing import start_default_cadences
from firstcall.events.models import Event


def on_organisation_created(event: Event) -> dict:
    """A new lender starts with follow-up on: the library seeded and each pipeline's default cadence turned on
    (editing.DEFAULT_ON), in the transaction that creates the organisation. Idempotent: an organisation that
    already has the library keeps it as it is."""
    organisation = Organisation.objects.get(pk=event.organisation_id)
    started = start_default_cadences(organisation)
    return {"cadences_turned_on": len(started)}


IN_TRANSACTION = {
    "organisation.created": [on_organisation_created],
}

SUBSCRIBERS: dict = {}
