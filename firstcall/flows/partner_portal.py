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
from django.utils import timezone

from firstcall.flows.lead_arrives import lead_arrives
from firstcall.integrations.models import LoanApplication
from firstcall.leads.models import Channel, IntakeRecord, Lead, LeadSource, Stage
from firstcall.leads.services import REJECTED, CaptureResult
from firstcall.leads.sources import create_source
from firstcall.leads.submission import LeadSubmission
from firstcall.portals import branding, partners
from firstcall.portals import partner as words
from firstcall.portals.models import PreApprovalLetter, SharingAuthorisation, UnderContract

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
    return _milestones(
        lead,
        [(stage.name, stage.outcome) for stage in lead.pipeline.stages.order_by("position")],
        LoanApplication.objects.filter(lead=lead).first(),
        partners.valid_letters(lead).order_by("issued_at", "pk").first(),
        partners.under_contract(lead),
    )


def _milestones(lead: Lead, stages, application, first_letter, contract) -> list[words.Milestone]:
    return words.milestones(
        stages,
        lead.stage.name,
        los_milestone=application.los_milestone if application else "",
        los_milestone_at=application.los_milestone_at if application else None,
        letter_issued_at=first_letter.issued_at if first_letter else None,
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
    """row_for() for each of the partner's newest 200 borrowers, read in a fixed number of queries: the latest
    sharing record, the stages, applications, valid letters and contract dates of the whole list at once."""
    leads = list(partners.referred_leads(partner)[:200])
    lead_ids = [lead.pk for lead in leads]
    latest_sharing: dict[int, bool] = {}
    for lead_id, is_granted in (
        SharingAuthorisation.objects.filter(lead_id__in=lead_ids, partner=partner)
        .order_by("lead_id", "-recorded_at", "-pk")
        .values_list("lead_id", "is_granted")
    ):
        latest_sharing.setdefault(lead_id, is_granted)
    shared = [lead for lead in leads if latest_sharing.get(lead.pk)]
    shared_ids = [lead.pk for lead in shared]
    stages: dict[int, list] = {}
    for stage in Stage.objects.filter(pipeline_id__in={lead.pipeline_id for lead in shared}).order_by(
        "position"
    ):
        stages.setdefault(stage.pipeline_id, []).append((stage.name, stage.outcome))
    applications = {row.lead_id: row for row in LoanApplication.objects.filter(lead_id__in=shared_ids)}
    letters: dict[int, list[PreApprovalLetter]] = {}
    for letter in PreApprovalLetter.objects.filter(
        lead_id__in=shared_ids, revoked_at__isnull=True, expires_on__gte=timezone.localdate()
    ).order_by("-issued_at", "-pk"):
        letters.setdefault(letter.lead_id, []).append(letter)
    contracts = {row.lead_id: row for row in UnderContract.objects.filter(lead_id__in=shared_ids)}
    rows = []
    for lead in leads:
        is_shared = latest_sharing.get(lead.pk, False)
        valid = letters.get(lead.pk, [])
        rows.append(
            ReferralRow(
                lead_id=lead.pk,
                borrower=_short_name(lead),
                referred_on=lead.created_at.date(),
                shared=is_shared,
                milestones=tuple(
                    _milestones(
                        lead,
                        stages.get(lead.pipeline_id, []),
                        applications.get(lead.pk),
                        min(valid, key=lambda letter: (letter.issued_at, letter.pk)) if valid else None,
                        contracts.get(lead.pk),
                    )
                )
                if is_shared
                else (),
                letter_id=valid[0].pk if is_shared and valid else None,
            )
        )
    return rows


def shared_letter(partner, lead_id: int, letter_id: int) -> PreApprovalLetter | None:
    """A letter the partner may download: on one of their own referrals, shared with them, valid. Else None."""
    lead = partners.referred_lead(partner, lead_id)
    if lead is None or not partners.is_shared(lead, partner):
        return None
    return partners.valid_letters(lead).filter(pk=letter_id).first()
