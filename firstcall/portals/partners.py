"""Referral partners and what they may have: invitations, the referrals they sent, the borrower's authorisation
to share milestones with them (kept like consent, with proof, revocable), the purchase contract milestone and the
pre-approval letters a loan officer issues. The only writer of these records."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from firstcall.accounts.models import User
from firstcall.accounts.services import record_audit
from firstcall.events.outbox import emit
from firstcall.leads.models import Lead, TimelineEvent
from firstcall.leads.timeline import record_event
from firstcall.lib.emails import InvalidEmail, normalise_email
from firstcall.lib.phones import InvalidPhone, normalise_phone
from firstcall.portals import branding
from firstcall.portals import letter_pdf as pdf
from firstcall.portals import partner as words
from firstcall.portals.models import (
    PartnerAlertPreference,
    PartnerMilestoneNotice,
    PartnerReferral,
    PreApprovalLetter,
    SharingAuthorisation,
    UnderContract,
)

# --- Partners ---------------------------------------------------------------------------------------------------


class PartnerRefused(ValueError):
    """A partner, letter or sharing change that cannot be made, with the sentence to show."""


def partners(organisation):
    return User.objects.filter(organisation=organisation, role=User.Role.PARTNER).order_by(
        "first_name", "last_name", "pk"
    )


def active_partner(organisation, user_id) -> User | None:
    return (
        User.objects.filter(
            pk=user_id, organisation=organisation, role=User.Role.PARTNER, is_active=True, is_staff=False
        ).first()
        if user_id
        else None
    )


def invite_partner(organisation, *, first_name: str, last_name: str, email: str, phone: str = "",
                   company: str = "", actor=None, ip_address=None) -> User:  # fmt: skip
    """A referral partner account that signs in only by link (no password). The email address is required: it
    is how a referral is attributed to the partner (leads.services capture, referral_partner_email)."""
    first_name, last_name = " ".join(first_name.split())[:150], " ".join(last_name.split())[:150]
    if not first_name:
        raise PartnerRefused("Enter the partner's first name.")
    try:
        email = normalise_email(email)
    except InvalidEmail as error:
        raise PartnerRefused("Enter the partner's email address.") from error
    if phone:
        try:
            phone = normalise_phone(phone)
        except InvalidPhone as error:
            raise PartnerRefused("The mobile number is not a valid phone number.") from error
    if User.objects.filter(organisation=organisation, email__iexact=email).exists():
        raise PartnerRefused("Someone in your organisation already has that email address.")
    with transaction.atomic():
        username = f"partner-{slugify(email.split('@')[0])[:40]}-{secrets.token_hex(3)}"
        user = User.objects.create_user(
            username=username, password=None, organisation=organisation, role=User.Role.PARTNER,
            first_name=first_name, last_name=last_name, email=email, phone=phone,
        )  # fmt: skip
        record_audit(organisation, "partner.invited", actor=actor, ip_address=ip_address,
                     detail={"partner_id": user.pk, "company": company[:120]})  # fmt: skip
    return user


def partner_name(user: User) -> str:
    return user.get_full_name() or "your referral partner"


# --- Referrals --------------------------------------------------------------------------------------------------


def record_referral(partner: User, lead: Lead, *, intake_record=None,
                    borrower_expects_call: bool = False) -> PartnerReferral:  # fmt: skip
    """The referral and a note on the lead's timeline. The partner's "the borrower expects a call" is kept as a
    note for the loan officer, never as consent (47 CFR 64.1200(f)(9): only the borrower can sign it)."""
    referral = PartnerReferral.objects.create(
        organisation_id=lead.organisation_id, partner=partner, lead=lead, intake_record=intake_record,
        created_at=timezone.now(), borrower_expects_call=borrower_expects_call,
    )  # fmt: skip
    summary = f"Referred by {partner_name(partner)} through the partner portal"
    if borrower_expects_call:
        summary += "; the partner says the borrower expects a call"
    record_event(lead, TimelineEvent.Kind.NOTE, summary,
                 data={"partner_id": partner.pk, "referral_id": referral.pk,
                       "borrower_expects_call": borrower_expects_call})  # fmt: skip
    return referral


def referred_leads(partner: User):
    """The borrowers this partner referred: through the portal, or attributed to them by any other channel
    (the lead's referral partner), newest first."""
    return (
        Lead.objects.filter(organisation_id=partner.organisation_id)
        .filter(referred_by(partner))
        .select_related("stage", "pipeline")
        .order_by("-created_at", "-pk")
    )


def referred_lead(partner: User, lead_id) -> Lead | None:
    """One of this partner's own referred borrowers; any other id is None (the page answers 404)."""
    return referred_leads(partner).filter(pk=lead_id).first()


def referring_partners(lead: Lead) -> list[User]:
    """The partners who referred this borrower: the lead's referral partner and anyone who sent it by the portal."""
    ids = set(PartnerReferral.objects.filter(lead=lead).values_list("partner_id", flat=True))
    if lead.referral_partner_id:
        ids.add(lead.referral_partner_id)
    return list(
        User.objects.filter(
            pk__in=ids, organisation_id=lead.organisation_id, role=User.Role.PARTNER
        ).order_by("first_name", "pk")
    )


# --- Sharing ----------------------------------------------------------------------------------------------------


def latest_sharing(lead: Lead, partner: User) -> SharingAuthorisation | None:
    return (
        SharingAuthorisation.objects.filter(lead=lead, partner=partner)
        .order_by("-recorded_at", "-pk")
        .first()
    )


def is_shared(lead: Lead, partner: User) -> bool:
    latest = latest_sharing(lead, partner)
    return latest is not None and latest.is_granted


def sharing_history(lead: Lead, partner: User) -> list[SharingAuthorisation]:
    return list(
        SharingAuthorisation.objects.filter(lead=lead, partner=partner).order_by("-recorded_at", "-pk")[:10]
    )


def sharing_text(lead: Lead, partner: User) -> str:
    return words.sharing_text(branding.for_organisation(lead.organisation).name, partner_name(partner))


def grant_sharing(lead: Lead, partner: User, *, how: str, ip_address=None, user_agent: str = "",
                  page_url: str = "", recorded_by=None) -> SharingAuthorisation:  # fmt: skip
    """The borrower lets a partner who referred them follow the loan's milestones; the words shown are kept."""
    if partner not in referring_partners(lead):
        raise PartnerRefused("Only a partner who referred this borrower can be given their milestones.")
    with transaction.atomic():
        row = SharingAuthorisation.objects.create(
            lead=lead, partner=partner, is_granted=True, disclosure_text=sharing_text(lead, partner),
            recorded_at=timezone.now(), ip_address=ip_address, user_agent=user_agent[:500],
            page_url=page_url[:1000], how=how[:200], recorded_by=recorded_by,
        )  # fmt: skip
        record_event(lead, TimelineEvent.Kind.CONSENT_RECORDED,
                     f"Sharing milestones with {partner_name(partner)} authorised ({how})",
                     actor=recorded_by, data={"partner_id": partner.pk, "sharing_id": row.pk})  # fmt: skip
    return row


def revoke_sharing(lead: Lead, partner: User, *, how: str, recorded_by=None) -> SharingAuthorisation | None:
    if not is_shared(lead, partner):
        return None
    with transaction.atomic():
        row = SharingAuthorisation.objects.create(
            lead=lead, partner=partner, is_granted=False, recorded_at=timezone.now(), how=how[:200],
            recorded_by=recorded_by,
        )  # fmt: skip
        record_event(lead, TimelineEvent.Kind.CONSENT_REVOKED,
                     f"Sharing milestones with {partner_name(partner)} withdrawn ({how})",
                     actor=recorded_by, data={"partner_id": partner.pk, "sharing_id": row.pk})  # fmt: skip
    return row


# --- Milestone alerts -------------------------------------------------------------------------------------------


def alert_preference(partner: User) -> PartnerAlertPreference:
    """The partner's choice (unsaved and all off when they never chose)."""
    return PartnerAlertPreference.objects.filter(partner=partner).first() or PartnerAlertPreference(
        partner=partner, by_text=False, by_email=False
    )


def set_alert_preference(
    partner: User, *, by_text: bool, by_email: bool, ip_address=None
) -> PartnerAlertPreference:
    """Texts need a mobile number on the partner's account; a choice without one is refused."""
    if by_text and not partner.phone:
        raise PartnerRefused(
            "We have no mobile number for you: ask your loan officer to add it, or choose email."
        )
    with transaction.atomic():
        row, _ = PartnerAlertPreference.objects.update_or_create(
            partner=partner, defaults={"by_text": by_text, "by_email": by_email, "updated_at": timezone.now()}
        )
        record_audit(partner.organisation, "partner.alerts_changed", actor=partner, ip_address=ip_address,
                     detail={"partner_id": partner.pk, "by_text": by_text, "by_email": by_email})  # fmt: skip
    return row


def claim_milestone_notices(lead: Lead, partner: User, keys: list[str]) -> list[str]:
    """Record that the partner is being told of these milestones; returns only the ones never told before, so a
    milestone is announced at most once (the unique constraint holds it under a race)."""
    told = set(
        PartnerMilestoneNotice.objects.filter(lead=lead, partner=partner, milestone__in=keys).values_list(
            "milestone", flat=True
        )
    )
    fresh = [key for key in keys if key not in told]
    now = timezone.now()
    PartnerMilestoneNotice.objects.bulk_create(
        [PartnerMilestoneNotice(lead=lead, partner=partner, milestone=key, notified_at=now) for key in fresh]
    )
    return fresh


# --- Under contract ---------------------------------------------------------------------------------------------


def under_contract(lead: Lead) -> UnderContract | None:
    return UnderContract.objects.filter(lead=lead).first()


def set_under_contract(lead: Lead, contract_date: date | None, *, actor=None) -> None:
    with transaction.atomic():
        if contract_date is None:
            if UnderContract.objects.filter(lead=lead).delete()[0]:
                record_event(lead, TimelineEvent.Kind.NOTE, "Under contract cleared", actor=actor)
            return
        UnderContract.objects.update_or_create(
            lead=lead,
            defaults={"contract_date": contract_date, "recorded_by": actor, "recorded_at": timezone.now()},
        )
        record_event(lead, TimelineEvent.Kind.NOTE, f"Under contract since {contract_date:%b %d, %Y}",
                     actor=actor, data={"contract_date": contract_date.isoformat()})  # fmt: skip
        emit("portal.milestone_recorded", organisation_id=lead.organisation_id, lead_id=lead.pk,
             milestone="under_contract")  # fmt: skip


# --- Pre-approval letters ---------------------------------------------------------------------------------------

PROGRAMS = ["Conventional", "FHA", "VA", "USDA", "Jumbo"]
MAX_LETTER_DAYS = 120
MAX_AMOUNT = Decimal("20000000")


@dataclass(frozen=True)
class LetterRequest:
    amount: Decimal
    program: str
    expires_on: date
    property_address: str


def parse_letter_request(raw: dict, *, today: date) -> tuple[LetterRequest | None, list[str]]:
    errors = []
    text = str(raw.get("amount") or "").replace(",", "").replace("$", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or not Decimal("10000") <= amount <= MAX_AMOUNT:
        errors.append("The amount must be a number from 10,000 to 20,000,000.")
    program = str(raw.get("program") or "")
    if program not in PROGRAMS:
        errors.append("Choose a loan program.")
    try:
        expires_on = date.fromisoformat(str(raw.get("expires_on") or ""))
    except ValueError:
        expires_on = None
    if expires_on is None or not today < expires_on <= today + timedelta(days=MAX_LETTER_DAYS):
        errors.append(f"The letter must expire after today and within {MAX_LETTER_DAYS} days.")
    address = " ".join(str(raw.get("property_address") or "").split())[:300]
    if address.upper() == "TBD":
        address = ""
    if errors:
        return None, errors
    return LetterRequest(amount.quantize(Decimal("0.01")), program, expires_on, address), []


def issue_letter(lead: Lead, request: LetterRequest, *, officer: User, ip_address=None) -> PreApprovalLetter:
    """Every name and number printed is copied onto the letter. Both NMLS IDs are required (SAFE Act)."""
    organisation = lead.organisation
    if not officer.nmls_id:
        raise PartnerRefused("Add your NMLS ID to your profile before issuing a letter.")
    if not organisation.nmls_id:
        raise PartnerRefused(
            "The organisation's NMLS ID is missing: an admin adds it in Settings, Organisation."
        )
    with transaction.atomic():
        letter = PreApprovalLetter.objects.create(
            organisation=organisation, lead=lead, issued_by=officer,
            borrower_name=lead.full_name or "Borrower", amount=request.amount, program=request.program,
            property_address=request.property_address, expires_on=request.expires_on,
            officer_name=officer.get_full_name() or officer.get_username(), officer_nmls_id=officer.nmls_id,
            officer_phone=officer.phone or "", company_name=branding.for_organisation(organisation).name,
            company_nmls_id=organisation.nmls_id, company_address=organisation.postal_address,
            issued_at=timezone.now(),
        )  # fmt: skip
        record_event(lead, TimelineEvent.Kind.NOTE,
                     f"Pre-approval letter {letter.pk} issued: {request.program}, up to ${request.amount:,.2f}, "
                     f"valid until {request.expires_on:%b %d, %Y}", actor=officer,
                     data={"letter_id": letter.pk})  # fmt: skip
        record_audit(organisation, "letter.issued", actor=officer, ip_address=ip_address,
                     detail={"letter_id": letter.pk, "lead_id": lead.pk})  # fmt: skip
        emit(
            "portal.milestone_recorded",
            organisation_id=organisation.pk,
            lead_id=lead.pk,
            milestone="pre_approved",
        )
    return letter


def parse_lower_amount(raw) -> Decimal | None:
    text = str(raw or "").replace(",", "").replace("$", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount.quantize(Decimal("0.01")) if amount.is_finite() else None


def letter_at_lower_price(letter: PreApprovalLetter, raw_amount, *, requested_by: User, party: str,
                          ip_address=None) -> PreApprovalLetter:  # fmt: skip
    """A copy of a valid letter at a lower purchase price, for an offer on a cheaper home. Never above the amount
    the loan officer approved (the issued letter's); the program, expiry, names, NMLS IDs and disclaimers are the
    issued letter's. The copy is a new letter linked to the one the officer issued, on the timeline and audited.
    Who may ask (the loan officer, or a partner the borrower shares with) is checked by the caller."""
    issued = letter.original or letter
    if (
        letter.revoked_at is not None
        or issued.revoked_at is not None
        or letter.expires_on < timezone.localdate()
    ):
        raise PartnerRefused(
            "This letter has been withdrawn or has expired; ask the loan officer for a new one."
        )
    amount = parse_lower_amount(raw_amount)
    if amount is None or amount < Decimal("10000"):
        raise PartnerRefused("Enter the purchase price for the letter (at least $10,000).")
    if amount > issued.amount:
        raise PartnerRefused(
            f"The letter cannot show more than the approved ${issued.amount:,.2f}. "
            "Ask the loan officer about a higher amount."
        )
    with transaction.atomic():
        copy = PreApprovalLetter.objects.create(
            organisation_id=issued.organisation_id, lead_id=issued.lead_id, issued_by_id=issued.issued_by_id,
            borrower_name=issued.borrower_name, amount=amount, program=issued.program,
            property_address=issued.property_address, expires_on=issued.expires_on,
            officer_name=issued.officer_name, officer_nmls_id=issued.officer_nmls_id,
            officer_phone=issued.officer_phone, company_name=issued.company_name,
            company_nmls_id=issued.company_nmls_id, company_address=issued.company_address,
            issued_at=timezone.now(), original=issued, requested_by=requested_by,
        )  # fmt: skip
        asked = "the loan officer" if party == "staff" else f"{partner_name(requested_by)} (referral partner)"
        record_event(issued.lead, TimelineEvent.Kind.NOTE,
                     f"Pre-approval letter {copy.pk} made from letter {issued.pk} at ${amount:,.2f} "
                     f"(approved up to ${issued.amount:,.2f}), asked for by {asked}",
                     actor=requested_by if party == "staff" else None,
                     data={"letter_id": copy.pk, "original_id": issued.pk, "party": party})  # fmt: skip
        record_audit(issued.organisation, "letter.lower_price", actor=requested_by, ip_address=ip_address,
                     detail={"letter_id": copy.pk, "original_id": issued.pk, "lead_id": issued.lead_id,
                             "party": party})  # fmt: skip
    return copy


def revoke_letter(letter: PreApprovalLetter, *, actor=None, ip_address=None) -> None:
    """Withdrawing a letter the officer issued withdraws its lower-price copies with it."""
    if letter.revoked_at is not None:
        return
    with transaction.atomic():
        letter.revoked_at = timezone.now()
        letter.save(update_fields=["revoked_at"])
        letter.lower_price_copies.filter(revoked_at__isnull=True).update(revoked_at=letter.revoked_at)
        record_event(letter.lead, TimelineEvent.Kind.NOTE, f"Pre-approval letter {letter.pk} withdrawn",
                     actor=actor, data={"letter_id": letter.pk})  # fmt: skip
        record_audit(letter.organisation, "letter.revoked", actor=actor, ip_address=ip_address,
                     detail={"letter_id": letter.pk, "lead_id": letter.lead_id})  # fmt: skip


def letters(lead: Lead):
    return PreApprovalLetter.objects.filter(lead=lead).order_by("-issued_at", "-pk")


def valid_letters(lead: Lead, *, today: date | None = None):
    """Letters that may be downloaded: not withdrawn and not expired."""
    today = today or timezone.localdate()
    return letters(lead).filter(revoked_at__isnull=True, expires_on__gte=today)


def latest_valid_letter(lead: Lead) -> PreApprovalLetter | None:
    return valid_letters(lead).first()


def letter_pdf(letter: PreApprovalLetter) -> bytes:
    brand = branding.for_organisation(letter.organisation)
    return pdf.render(
        pdf.LetterContent(
            number=letter.pk,
            company_name=letter.company_name,
            company_nmls_id=letter.company_nmls_id,
            company_address=letter.company_address,
            colour=brand.colour,
            logo=brand.logo,
            borrower_name=letter.borrower_name,
            amount=letter.amount,
            program=letter.program,
            property_address=letter.property_address,
            issued_on=timezone.localdate(letter.issued_at),
            expires_on=letter.expires_on,
            officer_name=letter.officer_name,
            officer_nmls_id=letter.officer_nmls_id,
            officer_phone=letter.officer_phone,
        )  # fmt: skip
    )


def record_letter_download(letter: PreApprovalLetter, *, party: str, actor=None, ip_address=None) -> None:
    record_audit(letter.organisation, "letter.downloaded", actor=actor, ip_address=ip_address,
                 detail={"letter_id": letter.pk, "lead_id": letter.lead_id, "party": party})  # fmt: skip


def letter_for_lead(lead: Lead, letter_id: int) -> PreApprovalLetter | None:
    return letters(lead).filter(pk=letter_id).first()


def referred_by(partner: User) -> Q:
    return Q(pk__in=PartnerReferral.objects.filter(partner=partner).values("lead_id")) | Q(
        referral_partner=partner
    )
