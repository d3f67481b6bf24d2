"""The referral partner portal: what a signed-in partner can do, each through the service that owns it.

- refer a borrower: the referral enters through the one door every lead uses (flows.lead_arrives: capture,
  score, route, first touch, cadences), from the organisation's "Referral partners" source, with the partner as
  the lead's referral partner. A referral never records consent: a partner's word is not the borrower's prior
  express written consent, which is a written agreement signed by the person called (47 CFR 64.1200(f)(9);
  ../shared/domain/REFERENCE.md 4.1). The lead is captured like any lead without consent: nobody texts or emails
  it automatically (messaging.first_touch and the outbox's gate) and its loan officer, alerted on assignment,
  makes the first contact in person. The partner's "the borrower expects a call" is kept on the referral as a
  note for the loan officer (portals.partners.record_referral).
- the partner's referred borrowers (sent by the portal, or attributed to the partner by any channel): a name, the date referred and, only where the borrower authorised sharing
  with this partner (portals.partners.is_shared), five milestones in plain words (portals.partner.milestones).
  A row is built from an allow-list of fields; nothing else of the lead reaches the page.
- the pre-approval letter: the newest valid letter, only where the borrower authorised sharing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from firstcall.flows.lead_arrives import lead_arrives
from firstcall.integrations.models import LoanApplication
from firstcall.leads.models import Channel, IntakeRecord, Lead, LeadSource
from firstcall.leads.services import REJECTED, CaptureResult
from firstcall.leads.sources import create_source
from firstcall.leads.submission import LeadSubmission
from firstcall.portals import branding, partners
from firstcall.portals import partner as words
from firstcall.portals.models import PreApprovalLetter

REFERRAL_SOURCE_NAME = "Referral partners"
PURPOSES = {"purchase": "Buying a home", "rate_term_refinance": "Refinancing", "heloc": "Home equity"}


def referral_source(organisation) -> LeadSource:
    """The organisation's source for partner referrals. No cost per lead: nothing is paid or credited for a
    referral (RESPA section 8, 12 U.S.C. 2607(a); REFERENCE.md 4.7)."""
    source = LeadSource.objects.filter(
        organisation=organisation, channel=Channel.MANUAL, name=REFERRAL_SOURCE_NAME
    ).first()
    if source is None:
        source, _ = create_source(organisation, channel=Channel.MANUAL, name=REFERRAL_SOURCE_NAME)
    return source


def expects_call_text(organisation) -> str:
    return words.expects_call_text(branding.for_organisation(organisation).name)


@dataclass
class Referral:
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    purpose: str = "purchase"
    zip: str = ""
    notes: str = ""
    borrower_expects_call: bool = False


def submit_referral(partner, referral: Referral, *, ip_address=None, user_agent: str = "",
                    page_url: str = "") -> CaptureResult:  # fmt: skip
    organisation = partner.organisation
    errors = {}
    if not referral.first_name.strip():
        errors["first_name"] = ["Enter the borrower's first name."]
    if not (referral.email.strip() or referral.phone.strip()):
        errors["phone"] = ["Enter the borrower's mobile number or email address."]
    if referral.purpose not in PURPOSES:
        errors["purpose"] = ["Choose what the borrower needs."]
    if errors:
        return CaptureResult(outcome=REJECTED, intake_record=None, errors=errors)
    # No consent, whatever the partner ticks: prior express written consent is an agreement signed by the
    # borrower (47 CFR 64.1200(f)(9); REFERENCE.md 4.1), which a partner cannot give on their behalf. The borrower
    # can give it themselves later (the borrower portal's preferences page, or a web form they fill in).
    submission = LeadSubmission(
        first_name=referral.first_name, last_name=referral.last_name, email=referral.email or None,
        phone=referral.phone or None, purpose=referral.purpose, zip=referral.zip or None,
        notes=referral.notes or None, referral_partner_email=partner.email or None, consent=None,
        has_real_estate_agent=True,
    )  # fmt: skip
    source = referral_source(organisation)
    with transaction.atomic():
        record = IntakeRecord.objects.create(
            organisation=organisation, source=source, channel=Channel.MANUAL, method="POST",
            path="/portal/partner/refer/", content_type="partner_referral",
        )  # fmt: skip
        result = lead_arrives(submission, organisation=organisation, intake_record=record, source=source)
        if result.is_accepted and not result.is_replay:
            partners.record_referral(partner, result.lead, intake_record=record,
                                     borrower_expects_call=referral.borrower_expects_call)  # fmt: skip
    return result


# --- The partner's list -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralRow:
    """Everything a partner's page may show of one referred borrower. Nothing is read from the lead outside
    this allow-list."""

    lead_id: int
    borrower: str  # first name and last initial
    referred_on: date
    shared: bool
    milestones: tuple[words.Milestone, ...]  # empty unless shared
    letter_id: int | None  # the newest valid letter, only when shared


def milestones_for(lead: Lead) -> list[words.Milestone]:
    stages = [(stage.name, stage.outcome) for stage in lead.pipeline.stages.order_by("position")]
    application = LoanApplication.objects.filter(lead=lead).first()
    letter = partners.valid_letters(lead).order_by("issued_at", "pk").first()
    contract = partners.under_contract(lead)
    return words.milestones(
        stages,
        lead.stage.name,
        los_milestone=application.los_milestone if application else "",
        los_milestone_at=application.los_milestone_at if application else None,
        letter_issued_at=letter.issued_at if letter else None,
        contract_date=contract.contract_date if contract else None,
    )


def _short_name(lead: Lead) -> str:
    initial = f" {lead.last_name[:1]}." if lead.last_name else ""
    return f"{lead.first_name or 'Borrower'}{initial}"


def row_for(partner, lead: Lead) -> ReferralRow:
    shared = partners.is_shared(lead, partner)
    letter = partners.latest_valid_letter(lead) if shared else None
    return ReferralRow(
        lead_id=lead.pk,
        borrower=_short_name(lead),
        referred_on=lead.created_at.date(),
        shared=shared,
        milestones=tuple(milestones_for(lead)) if shared else (),
        letter_id=letter.pk if letter else None,
    )


def referral_rows(partner) -> list[ReferralRow]:
    return [row_for(partner, lead) for lead in partners.referred_leads(partner)[:200]]


def shared_letter(partner, lead_id: int, letter_id: int) -> PreApprovalLetter | None:
    """A letter the partner may download: on one of their own referrals, shared with them, valid. Else None."""
    lead = partners.referred_lead(partner, lead_id)
    if lead is None or not partners.is_shared(lead, partner):
        return None
    return partners.valid_letters(lead).filter(pk=letter_id).first()
