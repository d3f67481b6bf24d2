"""The borrower portal: what a signed-in borrower sees of their own file and what they can do with it, each
through the service that owns it.

- home: the loan's progress (the lead's stage and the loan origination system's milestone, in the borrower's
  words: portals.borrower.progress) and the loan officer's card (name, photo, NMLS ID, call, text, booking page);
- needs list: documents.needs, uploads through documents.services.upload (encrypted, read by the pipeline and
  shown to the loan officer on the lead like any upload), photos and PDFs only, within the upload limit;
- messages: the lead's text thread (texts both ways and portal messages), a new message through
  messaging's receive_portal_message (timeline, cadences stop on a reply, the owner is alerted, the assistant
  reads it);
- pre-qualification: the lead's own scenario (eligibility.scenario_from_lead) through the engine, with the
  borrower's what-if price, down payment, rate and term;
- preferences: consent per channel and address with its proof; revoking goes through messaging's opt-out
  (the same as STOP or the unsubscribe link), giving records the text agreed to, time, IP and "borrower portal".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from firstcall.cadences.models import CallTask
from firstcall.documents import conf as document_conf
from firstcall.documents import needs as document_needs
from firstcall.documents import services as documents
from firstcall.documents.engine.errors import DocumentError
from firstcall.documents.engine.sniff import SUPPORTED, sniff
from firstcall.documents.models import Document
from firstcall.eligibility import scenario_from_lead as scenarios
from firstcall.eligibility.services import run_assessment
from firstcall.integrations.calendar.services import bookable, booking_url
from firstcall.integrations.models import LoanApplication
from firstcall.leads.models import Consent, Lead, TimelineEvent
from firstcall.leads.services import consent_address, revoke_consent
from firstcall.leads.timeline import record_event
from firstcall.messaging.models import Message, Suppression
from firstcall.messaging.optout import grant_consent, lift_suppression, opt_out_address
from firstcall.messaging.outbox import SELF_SERVICE_SMS_REASONS, active_suppression_reason
from firstcall.messaging.services import receive_portal_message
from firstcall.pipeline.models import Task
from firstcall.portals import borrower as portal

PORTAL_HOW = "borrower portal"
REVOKED_HOW = "withdrawn in the borrower portal"

# --- Home -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Officer:
    name: str
    photo_url: str
    nmls_id: str
    phone: str
    booking_url: str


def progress(lead: Lead) -> portal.Progress:
    stages = [(stage.name, stage.outcome) for stage in lead.pipeline.stages.order_by("position")]
    application = LoanApplication.objects.filter(lead=lead).first()
    return portal.progress(
        stages,
        lead.stage.name,
        los_milestone=application.los_milestone if application else "",
        los_milestone_at=application.los_milestone_at if application else None,
    )


def officer(lead: Lead) -> Officer | None:
    user = lead.owner
    if user is None or not user.is_active:
        return None
    return Officer(
        name=user.get_full_name() or user.get_username(),
        photo_url=user.photo_url,
        nmls_id=user.nmls_id,
        phone=user.phone,
        booking_url=booking_url(user, lead) if bookable(user) else "",
    )


# --- Needs list and uploads -------------------------------------------------------------------------------------

PORTAL_MEDIA_TYPES = SUPPORTED  # PDF, JPEG, PNG, TIFF: what the document reader reads


class UploadRefused(ValueError):
    """A file the portal does not take, with the sentence to show the borrower."""


def needs_list(lead: Lead) -> list[document_needs.Need]:
    return document_needs.needs_for(lead)


def uploads(lead: Lead) -> list[Document]:
    return list(Document.objects.filter(lead=lead).order_by("-created_at", "-pk")[:50])


def upload_limit() -> int:
    return document_conf.max_upload_bytes()


def upload(lead: Lead, *, file_name: str, size: int, read) -> documents.UploadOutcome:
    """Check the size (before reading) and the type (from the content, never the name), then store through the
    document pipeline. `read()` returns the file's bytes."""
    limit = upload_limit()
    if size > limit:
        raise UploadRefused(
            f"{file_name} is too large: the limit is {limit // document_conf.MEBIBYTE} MB. "
            "Take the photo again at a lower resolution, or upload a PDF."
        )
    data = read()
    try:
        media_type = sniff(data[:1024])
    except DocumentError as error:
        raise UploadRefused(f"{file_name}: {error}") from error
    if media_type not in PORTAL_MEDIA_TYPES:  # pragma: no cover - sniff only returns supported types
        raise UploadRefused(f"{file_name}: upload a photo or a PDF.")
    try:
        return documents.upload(lead, file_name=file_name, data=data, source=Document.Source.BORROWER_LINK)
    except documents.DocumentTooLarge as error:
        raise UploadRefused(str(error)) from error


def own_document(lead: Lead, document_id: int) -> Document | None:
    return Document.objects.filter(pk=document_id, lead=lead).first()


def read_own_document(lead: Lead, document: Document, *, ip_address=None) -> bytes:
    documents.record_view(document, actor=None, what="portal_download", ip_address=ip_address)
    return documents.read_stored(document)


# --- Messages ---------------------------------------------------------------------------------------------------

SHOWN_OUTBOUND = (
    Message.Status.QUEUED,
    Message.Status.HELD,
    Message.Status.SENDING,
    Message.Status.SENT,
    Message.Status.DELIVERED,
)


def thread(lead: Lead, limit: int = 100) -> list[Message]:
    """The lead's text thread, oldest first: the borrower's texts and portal messages, and the texts sent to the
    borrower (not alerts to staff, not messages that were stopped, not portal sign-in links)."""
    messages = (
        Message.objects.filter(lead=lead, recipient_user__isnull=True, channel__in=["sms", "portal"])
        .filter(
            Q(direction=Message.Direction.INBOUND)
            | Q(direction=Message.Direction.OUTBOUND, status__in=SHOWN_OUTBOUND)
        )
        .exclude(body__contains="/portal/link/")
        .order_by("-created_at", "-pk")[:limit]
    )
    return list(reversed(messages))


def send_message(lead: Lead, body: str) -> Message:
    return receive_portal_message(lead, body)


# --- Pre-qualification ------------------------------------------------------------------------------------------

PROGRAM_WORDS = {"conventional": "Conventional", "fha": "FHA", "va": "VA", "usda": "USDA", "jumbo": "Jumbo"}
STATUS_WORDS = {
    "eligible": "Looks possible",
    "refer": "Possible: your loan officer needs to check a few things",
    "ineligible": "Does not fit these figures",
}
WHAT_IF_FIELDS = ("purchase_price", "down_payment", "interest_rate", "term_years")


@dataclass(frozen=True)
class ProgramFigures:
    program: str
    status: str
    loan_amount: Decimal | None
    monthly_total: Decimal | None
    principal_interest: Decimal | None
    mortgage_insurance: Decimal | None
    taxes: Decimal | None
    insurance: Decimal | None
    max_purchase_price: Decimal | None


@dataclass(frozen=True)
class Prequalification:
    values: dict  # the what-if form's values (Decimal or int), from the lead or the borrower's input
    programs: list[ProgramFigures]
    assumptions: list[str]
    problem: str = ""


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() else None


def parse_what_if(raw: dict) -> tuple[dict, list[str]]:
    """The borrower's what-if answers as Decimals (term as whole years); errors name the field in words."""
    limits = {
        "purchase_price": (Decimal(10_000), Decimal(20_000_000), "Price"),
        "down_payment": (Decimal(0), Decimal(20_000_000), "Down payment"),
        "interest_rate": (Decimal("0.5"), Decimal(20), "Interest rate"),
        "term_years": (Decimal(5), Decimal(40), "Term"),
    }
    values, errors = {}, []
    for name, (low, high, words) in limits.items():
        text = str(raw.get(name) or "").replace(",", "").replace("$", "").replace("%", "").strip()
        if not text:
            continue
        amount = _decimal(text)
        if amount is None or not low <= amount <= high:
            errors.append(f"{words} must be a number from {low:,} to {high:,}.")
            continue
        values[name] = int(amount) if name == "term_years" else amount.quantize(Decimal("0.01"))
    if (
        "down_payment" in values
        and "purchase_price" in values
        and values["down_payment"] >= values["purchase_price"]
    ):
        errors.append("The down payment must be less than the price.")
    return values, errors


def prequalification(lead: Lead, what_if: dict | None = None) -> Prequalification:
    """The engine's programs for the lead's scenario with the borrower's what-if values on top. The credit score
    goes to the engine but is never returned, nor any check's wording (which may quote it)."""
    what_if = what_if or {}
    overrides = {}
    if lead.purpose == "purchase" or "purchase_price" in what_if:
        if "purchase_price" in what_if:
            overrides.update(purpose="purchase", purchase_price=scenarios.money(what_if["purchase_price"]))
        if "down_payment" in what_if:
            overrides["down_payment"] = scenarios.money(what_if["down_payment"])
    if "interest_rate" in what_if:
        overrides["interest_rate"] = float(what_if["interest_rate"])
    if "term_years" in what_if:
        overrides["term_months"] = int(what_if["term_years"]) * 12
    built = scenarios.lead_scenario(lead, overrides)
    basis = scenarios.escrow_basis(built.scenario)
    if basis is not None and "monthly_taxes" not in built.scenario:
        # As the borrower calculator does: documented estimates of taxes and insurance, labelled as such.
        taxes, insurance = scenarios.estimated_monthly_escrow(basis)
        built = scenarios.lead_scenario(
            lead, {**overrides, "monthly_taxes": taxes, "monthly_insurance": insurance}
        )
    scenario = built.scenario
    values = {
        "purchase_price": _decimal(scenario.get("purchase_price")),
        "down_payment": _decimal(scenario.get("down_payment")),
        "interest_rate": _decimal(scenario.get("interest_rate")),
        "term_years": int(scenario.get("term_months") or 360) // 12,
    }
    assumptions = [
        item.message
        for item in built.assumptions
        if item.field in ("interest_rate", "term_months", "monthly_taxes", "monthly_insurance")
    ]
    result = run_assessment(scenario, organisation=lead.organisation)
    programs = []
    for program in result.get("programs", []):
        status = program.get("status", "")
        if program.get("program") in ("usda", "jumbo") and status == "ineligible":
            continue  # as the borrower calculator: shown only when they may fit
        if program.get("program") == "va" and lead.veteran is not True:
            continue  # VA is for veterans; the lead does not say it is one
        figures = program.get("figures") or {}
        payment = figures.get("monthly_payment") or {}
        programs.append(
            ProgramFigures(
                program=PROGRAM_WORDS.get(program.get("program"), str(program.get("program"))),
                status=STATUS_WORDS.get(status, status),
                loan_amount=_decimal(figures.get("total_loan_amount")),
                monthly_total=_decimal(payment.get("total")),
                principal_interest=_decimal(payment.get("principal_interest")),
                mortgage_insurance=_decimal(payment.get("mortgage_insurance")),
                taxes=_decimal(payment.get("taxes")),
                insurance=_decimal(payment.get("insurance")),
                max_purchase_price=_decimal(figures.get("max_purchase_price")),
            )
        )
    problem = "" if programs else "Your loan officer needs a few more details before figures can be shown."
    return Prequalification(values, programs, assumptions, problem)


# --- Preferences ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelConsent:
    channel: str
    label: str
    address: str
    granted: bool
    blocked: bool  # the organisation's own do-not-contact entry stops it whatever the consent says
    history: list[Consent]
    text: str  # what the borrower agrees to by giving consent here


def consents(lead: Lead) -> list[ChannelConsent]:
    rows = []
    for channel, label in portal.CHANNELS.items():
        address = consent_address(lead, channel)
        history = list(
            Consent.objects.filter(lead=lead, channel=channel).order_by("-recorded_at", "-pk")[:10]
        )
        suppression_channel = "email" if channel == "email" else "sms"
        reason = (
            active_suppression_reason(lead.organisation_id, suppression_channel, address) if address else None
        )
        rows.append(
            ChannelConsent(
                channel=channel,
                label=label,
                address=address,
                granted=bool(getattr(lead, f"consent_{channel}")),
                blocked=reason is not None
                and reason not in (*SELF_SERVICE_SMS_REASONS, Suppression.Reason.UNSUBSCRIBE),
                history=history,
                text=portal.consent_text(lead.organisation.name, channel, address) if address else "",
            )
        )
    return rows


def revoke(lead: Lead, channel: str) -> None:
    """The borrower withdraws consent for a channel. Texts and email go through the opt-out every STOP reply and
    unsubscribe link use (organisation-wide suppression, pending messages stopped, every cadence stopped; a text
    revocation also ends calls to the number: firstcall/flows/borrower_opts_out.py); calls end the call consent
    and close the lead's open call tasks."""
    if channel not in portal.CHANNELS:
        raise ValueError(channel)
    address = consent_address(lead, channel)
    with transaction.atomic():
        if channel in ("sms", "email") and address:
            reason = Suppression.Reason.STOP_KEYWORD if channel == "sms" else Suppression.Reason.UNSUBSCRIBE
            opt_out_address(lead.organisation, channel, address, reason=reason, how=REVOKED_HOW)
        elif getattr(lead, f"consent_{channel}"):
            revoke_consent(lead, channel, how=REVOKED_HOW, kind="portal", address=address)
            if channel == "calls":
                now = timezone.now()
                closed = CallTask.objects.filter(lead=lead, status=CallTask.Status.OPEN).update(
                    status=CallTask.Status.CANCELLED, done_at=now
                )
                closed += Task.objects.filter(
                    lead=lead, kind=Task.Kind.CALL, completed_at__isnull=True
                ).update(completed_at=now)
                if closed:
                    record_event(
                        lead,
                        TimelineEvent.Kind.CONSENT_REVOKED,
                        f"{closed} open call task(s) closed: the borrower revoked consent",
                    )
    lead.refresh_from_db()


def give(lead: Lead, channel: str, *, ip_address=None, user_agent: str = "", page_url: str = "") -> Consent:
    """The borrower gives consent for a channel: the text shown, the time, the IP and the page are kept as proof;
    the borrower's own earlier opt-out (STOP, unsubscribe) of that address is lifted, an organisation's own
    do-not-contact entry is not."""
    if channel not in portal.CHANNELS:
        raise ValueError(channel)
    address = consent_address(lead, channel)
    if not address:
        raise ValueError(f"No address for {channel}")
    text = portal.consent_text(lead.organisation.name, channel, address)
    with transaction.atomic():
        if channel == "sms":
            lift_suppression(lead.organisation, "sms", address, why=f"consent given in the {PORTAL_HOW}",
                             only_reasons=SELF_SERVICE_SMS_REASONS)  # fmt: skip
        if channel == "email":
            lift_suppression(lead.organisation, "email", address, why=f"consent given in the {PORTAL_HOW}",
                             only_reasons=[Suppression.Reason.UNSUBSCRIBE])  # fmt: skip
        return grant_consent(
            lead,
            channel,
            how=PORTAL_HOW,
            disclosure_text=text,
            ip_address=ip_address,
            user_agent=user_agent,
            page_url=page_url,
        )
