"""Sign-in links to the portals for the demo, printed by `firstcall demo` so both portals can be opened without
an inbox: the same links (signed, single use, expiring) the borrower and the partner would get by email. The
demo partner is the demo's real-estate agent; one of her borrowers shares milestones with her and holds a
pre-approval letter, so her list shows milestones and a letter to download."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from firstcall.accounts.models import User
from firstcall.leads.models import Lead
from firstcall.portals import partners
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


PARTNER_DEMO_HOW = "demo: the borrower agreed when they were referred"


def demo_partner_borrower(partner) -> Lead | None:
    """The partner's referred borrower furthest along an open pipeline, assigned and with an email address."""
    return (
        partners.referred_leads(partner)
        .filter(owner__isnull=False, owner__nmls_id__gt="", stage__outcome="open", is_test=False)
        .exclude(email="")
        .order_by("-stage__position", "pk")
        .first()
    )


def prepare_partner_demo(organisation) -> tuple[User, Lead | None] | None:
    """The demo partner, and one of their borrowers who shares milestones with them and holds a pre-approval
    letter (both recorded through the portals' services, once: running the demo again changes nothing)."""
    partner = partners.partners(organisation).filter(is_active=True).order_by("pk").first()
    if partner is None:
        return None
    lead = demo_partner_borrower(partner)
    if lead is None:
        return partner, None
    if not partners.is_shared(lead, partner):
        partners.grant_sharing(lead, partner, how=PARTNER_DEMO_HOW)
    if partners.latest_valid_letter(lead) is None and organisation.nmls_id:
        amount = lead.purchase_price or Decimal("400000")
        request = partners.LetterRequest(
            amount, "Conventional", timezone.localdate() + timedelta(days=60), ""
        )
        partners.issue_letter(lead, request, officer=lead.owner)
    return partner, lead


def partner_sign_in_link(organisation) -> tuple[User, Lead | None, str] | None:
    prepared = prepare_partner_demo(organisation)
    if prepared is None:
        return None
    partner, lead = prepared
    channel, address = ("email", partner.email) if partner.email else ("sms", partner.phone)
    recipient = portals.Recipient(SignInLink.Party.PARTNER, channel, address, user=partner)
    token = portals.issue_link(organisation, recipient)
    return partner, lead, f"{settings.SITE_URL}{reverse('portal_redeem', args=[token])}"


def lead_sign_in_link(lead: Lead) -> str:
    recipient = portals.Recipient(SignInLink.Party.BORROWER, "email", lead.email, lead=lead)
    token = portals.issue_link(lead.organisation, recipient)
    return f"{settings.SITE_URL}{reverse('portal_redeem', args=[token])}"
