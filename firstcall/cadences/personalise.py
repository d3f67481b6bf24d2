"""What a cadence message says to one borrower: the merge-field values (a plain dict built here, the only data
a template can see), the language variant, the loan officer's signature, and the opt-out line for texts.

The email footer (postal address and unsubscribe link) and the List-Unsubscribe headers are added by the
messaging core for every marketing email (messaging.services._with_email_footer and the SMTP provider), so
they are not repeated here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.html import escape, urlize

from firstcall.cadences import templating
from firstcall.cadences.models import MessageTemplate
from firstcall.integrations.calendar.services import booking_link_for
from firstcall.lib.phones import display_phone

# name -> what the editor shows next to it. Anything not listed here is not a merge field.
MERGE_FIELDS = {
    "borrower.first_name": "Borrower's first name",
    "borrower.last_name": "Borrower's last name",
    "borrower.full_name": "Borrower's full name",
    "borrower.state": "Borrower's state (two letters)",
    "borrower.county": "Borrower's county",
    "borrower.zip": "Borrower's ZIP code",
    "scenario.loan_type": "Loan type (FHA, VA, Conventional...)",
    "scenario.loan_type_phrase": 'Loan type in a sentence ("an FHA loan")',
    "scenario.purpose": "Purchase, refinance...",
    "scenario.purchase_price": "Purchase price ($350,000)",
    "scenario.property_value": "Property value",
    "scenario.down_payment": "Down payment",
    "scenario.timeframe": "When they want to move",
    "scenario.property_type": "Property type",
    "officer.name": "Loan officer's full name",
    "officer.first_name": "Loan officer's first name",
    "officer.nmls_id": "Loan officer's NMLS ID",
    "officer.phone": "Loan officer's direct line",
    "officer.email": "Loan officer's email",
    "officer.signature": "Loan officer's signature block",
    "officer.booking_link": "Link to book a call with the loan officer (empty when they take no bookings)",
    "organisation.name": "Your company name",
    "organisation.postal_address": "Your postal address",
}

LOAN_TYPE_PHRASES = {
    "en": {
        "fha": "an FHA loan",
        "va": "a VA loan",
        "usda": "a USDA loan",
        "jumbo": "a jumbo loan",
        "conventional": "a conventional loan",
        "not_sure": "a home loan",
    },
    "es": {
        "fha": "un préstamo FHA",
        "va": "un préstamo VA",
        "usda": "un préstamo USDA",
        "jumbo": "un préstamo jumbo",
        "conventional": "un préstamo convencional",
        "not_sure": "un préstamo hipotecario",
    },
}
# CTIA: every marketing text says how to stop (REFERENCE.md §4.4). Added when a text does not mention STOP.
OPT_OUT_LINES = {"en": "Reply STOP to opt out.", "es": "Responda STOP para cancelar."}


def _money(value) -> str:
    if value in (None, ""):
        return ""
    try:
        return f"${Decimal(str(value)):,.0f}"
    except InvalidOperation:
        return ""


def signature_for(officer, organisation) -> str:
    if officer is None:
        return f"The team at {organisation.name}"
    lines = [officer.get_full_name() or officer.username]
    lines.append(f"Loan Officer, NMLS #{officer.nmls_id}" if officer.nmls_id else "Loan Officer")
    lines.append(organisation.name)
    if officer.phone:
        lines.append(display_phone(officer.phone))
    if officer.email:
        lines.append(officer.email)
    return "\n".join(lines)


def merge_context(lead, *, officer=None) -> dict[str, dict[str, str]]:
    """The only values a template can read: strings in plain dicts, never model instances."""
    officer = officer if officer is not None else lead.owner
    organisation = lead.organisation
    language = language_of(lead)
    phrases = LOAN_TYPE_PHRASES.get(language, LOAN_TYPE_PHRASES["en"])
    return {
        "borrower": {
            "first_name": (lead.first_name or "").strip(),
            "last_name": (lead.last_name or "").strip(),
            "full_name": lead.full_name,
            "state": lead.state or "",
            "county": lead.county or "",
            "zip": lead.zip_code or "",
        },
        "scenario": {
            "loan_type": lead.get_loan_type_display() if lead.loan_type != "not_sure" else "",
            "loan_type_phrase": phrases.get(lead.loan_type or "not_sure", phrases["not_sure"]),
            "purpose": lead.get_purpose_display().lower() if lead.purpose else "",
            "purchase_price": _money(lead.purchase_price),
            "property_value": _money(lead.property_value),
            "down_payment": _money(lead.down_payment),
            "timeframe": lead.get_timeframe_display() if lead.timeframe != "unknown" else "",
            "property_type": lead.get_property_type_display() if lead.property_type else "",
        },
        "officer": {
            "name": (officer.get_full_name() or officer.username) if officer else "",
            "first_name": officer.first_name if officer else "",
            "nmls_id": officer.nmls_id if officer else "",
            "phone": display_phone(officer.phone) if officer and officer.phone else "",
            "email": officer.email if officer else "",
            "signature": signature_for(officer, organisation),
        },
        "organisation": {"name": organisation.name, "postal_address": organisation.postal_address or ""},
    }


def language_of(lead) -> str:
    return (lead.preferred_language or "en").split("-")[0].lower() or "en"


def pick_variant(organisation_id: int, name: str, channel: str, language: str) -> MessageTemplate | None:
    """The template in the borrower's language, else English, else any variant."""
    variants = {
        template.language: template
        for template in MessageTemplate.objects.filter(
            organisation_id=organisation_id, name=name, channel=channel
        )
    }
    return variants.get(language) or variants.get("en") or next(iter(variants.values()), None)


@dataclass(frozen=True)
class Composed:
    channel: str
    subject: str
    body: str
    html_body: str
    language: str
    template_id: int | None = None

    @property
    def segments(self) -> templating.SegmentCount | None:
        return templating.count_segments(self.body) if self.channel == "sms" else None


def _html(text: str) -> str:
    """Plain text to simple HTML: escaped, links clickable, blank lines as paragraphs."""
    paragraphs = [part.strip("\n") for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
    rendered = [
        "<p>" + urlize(escape(part), autoescape=False).replace("\n", "<br>") + "</p>" for part in paragraphs
    ]
    return "<html><body>" + "".join(rendered) + "</body></html>"


def compose(
    lead,
    channel: str,
    *,
    subject: str = "",
    body: str = "",
    template: MessageTemplate | None = None,
    officer=None,
) -> Composed:
    """Render a step's message for one lead: its language variant, merge fields, signature, opt-out line."""
    language = language_of(lead)
    template_id = None
    if template is not None:
        variant = (
            pick_variant(template.organisation_id, template.name, template.channel, language) or template
        )
        subject, body, template_id = variant.subject, variant.body, variant.pk
        language = variant.language
    context = merge_context(lead, officer=officer)
    if "officer.booking_link" in f"{subject}{body}":  # a read of the officer's booking page, only when asked for
        context["officer"]["booking_link"] = booking_link_for(lead, officer)
    text = templating.render(body, context).strip()
    rendered_subject = " ".join(templating.render(subject, context).split())
    if channel == "sms":
        if "stop" not in text.casefold():
            text = f"{text} {OPT_OUT_LINES.get(language, OPT_OUT_LINES['en'])}".strip()
        return Composed("sms", "", text, "", language, template_id)
    if "officer.signature" not in body:
        text = f"{text}\n\n{context['officer']['signature']}"
    return Composed("email", rendered_subject, text, _html(text), language, template_id)
