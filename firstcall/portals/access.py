"""Who a portal session may see. A borrower's session carries one lead id (portals.services.redeem); every
borrower page reads that lead and nothing else, so no page takes a lead id from the address and another
borrower's file cannot be named. A partner's session and a staff session open no borrower page."""

from firstcall.leads.models import Lead
from firstcall.portals.models import SignInLink


def borrower_lead(identity: dict | None) -> Lead | None:
    """The lead a borrower's portal session is for, or None (no session, a partner's session, a lead gone)."""
    if not identity or identity.get("party") != SignInLink.Party.BORROWER or not identity.get("lead_id"):
        return None
    return (
        Lead.objects.select_related("organisation", "owner", "stage", "pipeline")
        .filter(pk=identity["lead_id"], organisation_id=identity.get("organisation_id"))
        .first()
    )
