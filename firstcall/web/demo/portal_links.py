"""A sign-in link to the borrower portal for one demo borrower, printed by `firstcall demo` so the portal can be
opened without an inbox: the same link (signed, single use, expiring) the borrower would get by email."""

from django.conf import settings
from django.urls import reverse

from firstcall.leads.models import Lead
from firstcall.portals import services as portals
from firstcall.portals.models import SignInLink


def demo_borrower(organisation) -> Lead | None:
    """An open, assigned borrower with an email address, furthest along the pipeline (the fullest status page)."""
    return (
        Lead.objects.filter(
            organisation=organisation, owner__isnull=False, stage__outcome="open", is_test=False
        )
        .exclude(email="")
        .select_related("stage")
        .order_by("-stage__position", "pk")
        .first()
    )


def borrower_sign_in_link(organisation) -> tuple[Lead, str] | None:
    lead = demo_borrower(organisation)
    if lead is None:
        return None
    recipient = portals.Recipient(SignInLink.Party.BORROWER, "email", lead.email, lead=lead)
    token = portals.issue_link(organisation, recipient)
    return lead, f"{settings.SITE_URL}{reverse('portal_redeem', args=[token])}"
