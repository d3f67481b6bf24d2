"""The borrower's first message: personal, chosen by segment and channel, queued in the capture transaction and
delivered on commit (never on a poll). Compliance (consent, quiet hours, opt-outs) is the outbox's gate; the first touch is marketing."""

from django.utils import timezone

from firstcall.compliance.services import may_auto_text
from firstcall.leads.models import Lead, TimelineEvent
from firstcall.leads.timeline import record_event
from firstcall.lib.phones import display_phone
from firstcall.messaging.services import queue_message

LOAN_WORDS = {
    "en": {"fha": "an FHA loan", "va": "a VA loan", "usda": "a USDA loan", "jumbo": "a jumbo loan",
           "conventional": "a conventional loan", "not_sure": "a home loan"},
    "es": {"fha": "un préstamo FHA", "va": "un préstamo VA", "usda": "un préstamo USDA", "jumbo": "un préstamo jumbo",
           "conventional": "un préstamo convencional", "not_sure": "un préstamo hipotecario"},
}  # fmt: skip

SMS_TEMPLATES = {
    ("en", "purchase"): (
        "Hi {first_name}, this is {officer} with {org}{nmls}. I just got your request about {loan} for a home"
        "{price_phrase}{place_phrase}. When is a good time for a quick call? My direct line is {officer_phone}.{booking_phrase}"
    ),
    ("en", "refinance"): (
        "Hi {first_name}, this is {officer} with {org}{nmls}. Thanks for asking about refinancing{place_phrase}. "
        "I can run your numbers today. When is a good time to talk? My direct line is {officer_phone}.{booking_phrase}"
    ),
    ("en", "heloc"): (
        "Hi {first_name}, this is {officer} with {org}{nmls}. I saw your home equity question. I'd be glad to walk "
        "you through your options. When is a good time for a quick call? Direct line: {officer_phone}.{booking_phrase}"
    ),
    ("es", "purchase"): (
        "Hola {first_name}, soy {officer} de {org}{nmls}. Recibí su solicitud sobre {loan} para una casa"
        "{price_phrase}{place_phrase}. ¿Cuándo le queda bien una llamada corta? Mi línea directa es {officer_phone}.{booking_phrase}"
    ),
    ("es", "refinance"): (
        "Hola {first_name}, soy {officer} de {org}{nmls}. Gracias por preguntar sobre refinanciar. Puedo revisar sus "
        "números hoy. ¿Cuándo le queda bien hablar? Mi línea directa es {officer_phone}.{booking_phrase}"
    ),
}
UNASSIGNED_SMS = {
    "en": "Hi {first_name}, thanks for reaching out to {org}. A licensed loan officer will call you in the next few "
    "minutes about {loan}. If now isn't a good time, just reply with a better one.",
    "es": "Hola {first_name}, gracias por contactar a {org}. Un oficial de préstamos le llamará en unos minutos sobre "
    "{loan}. Si no es buen momento, responda con una hora mejor.",
}
BOOKING_PHRASE = {
    "en": " Or pick a time that suits you: {link}",
    "es": " O elija la hora que le convenga: {link}",
}
OPT_OUT_LINE = {"en": " Reply STOP to opt out.", "es": " Responda STOP para cancelar."}
EMAIL_SUBJECT = {
    "en": "About your home loan question, {first_name}",
    "es": "Sobre su consulta de préstamo, {first_name}",
}


def _purpose_group(lead: Lead) -> str:
    if lead.purpose in ("rate_term_refinance", "cash_out_refinance"):
        return "refinance"
    if lead.purpose == "heloc":
        return "heloc"
    return "purchase"


def render_first_touch(lead: Lead, *, booking_link: str = "") -> tuple[str, str]:
    """(subject, body) in the borrower's language, signed by the assigned loan officer when there is one, with
    a link to book a call on the officer's calendar when they take bookings."""
    language = lead.preferred_language if lead.preferred_language in LOAN_WORDS else "en"
    officer = lead.owner
    price = lead.purchase_price or lead.property_value
    values = {
        "first_name": lead.first_name or ("there" if language == "en" else ""),
        "org": lead.organisation.name,
        "loan": LOAN_WORDS[language].get(lead.loan_type, LOAN_WORDS[language]["not_sure"]),
        "price_phrase": (f" around ${price:,.0f}" if language == "en" else f" de unos ${price:,.0f}")
        if price
        else "",
        "place_phrase": "",
        "officer": officer.get_full_name() if officer else "",
        "nmls": f" (NMLS #{officer.nmls_id})" if officer and officer.nmls_id else "",
        "officer_phone": display_phone(officer.phone)
        if officer and officer.phone
        else lead.organisation.name,
        "booking_phrase": BOOKING_PHRASE[language].format(link=booking_link) if booking_link else "",
    }
    if officer:
        template = (
            SMS_TEMPLATES.get((language, _purpose_group(lead))) or SMS_TEMPLATES[("en", _purpose_group(lead))]
        )
    else:
        template = UNASSIGNED_SMS[language]
    body = template.format(**values).replace("  ", " ")
    subject = EMAIL_SUBJECT[language].format(**values)
    return subject, body


def schedule_first_touch(lead: Lead, *, booking_link: str = "") -> None:
    """Queue the first message in the current transaction; the outbox sends it as soon as the lead commits."""
    may_text, why_not = may_auto_text(lead)
    if lead.consent_sms and lead.phone and not may_text:
        record_event(lead, TimelineEvent.Kind.MESSAGE, f"No automatic text: {why_not}; a person must contact this lead",
                     data={"at": timezone.now().isoformat()})  # fmt: skip
    if lead.consent_sms and lead.phone and may_text:
        channel = "sms"
    elif lead.consent_email and lead.email:
        channel = "email"
    else:
        record_event(lead, TimelineEvent.Kind.MESSAGE,
                     "No first touch sent: the borrower gave no consent for texts or email", data={"at": timezone.now().isoformat()})  # fmt: skip
        return
    subject, body = render_first_touch(lead, booking_link=booking_link)
    language = lead.preferred_language if lead.preferred_language in OPT_OUT_LINE else "en"
    if channel == "sms":
        body += OPT_OUT_LINE[language]
    queue_message(
        lead,
        channel,
        body,
        subject=subject if channel == "email" else None,
        purpose="first_touch",
        # The first touch is marketing: it counts toward the caps, waits for the calling window, and its email
        # carries the CAN-SPAM footer and one-click unsubscribe.
        is_marketing=True,
        idempotency_key=f"first-touch:{lead.pk}",
    )


HANDOVER_SMS = {
    "en": "Hi {first_name}, this is {officer} with {org}{nmls}. I'm taking over your request from {previous} so "
    "you get an answer quickly. When is a good time for a call? My direct line is {officer_phone}.",
    "es": "Hola {first_name}, soy {officer} de {org}{nmls}. Me encargo de su solicitud en lugar de {previous} para "
    "atenderle pronto. ¿Cuándo le queda bien una llamada? Mi línea directa es {officer_phone}.",
}


def schedule_handover_introduction(lead: Lead, new_owner, previous_owner) -> bool:
    """When a lead the borrower has already heard about changes hands, the new loan officer introduces
    themselves before anything else goes out in their name: the borrower never hears from a stranger.
    Queued through the outbox (consent, quiet hours and opt-outs apply). Returns True when queued."""
    from firstcall.messaging.models import Message
    from firstcall.messaging.services import queue_message

    already_written = Message.objects.filter(
        lead=lead, direction="outbound", recipient_user__isnull=True
    ).exclude(status__in=["failed", "suppressed"])
    if previous_owner is None or not already_written.exists():
        return False
    if lead.consent_sms and lead.phone:
        channel = "sms"
    elif lead.consent_email and lead.email:
        channel = "email"
    else:
        return False
    language = lead.preferred_language if lead.preferred_language in HANDOVER_SMS else "en"
    body = HANDOVER_SMS[language].format(
        first_name=lead.first_name or ("there" if language == "en" else ""),
        officer=new_owner.get_full_name() or new_owner.username,
        org=lead.organisation.name,
        nmls=f" (NMLS #{new_owner.nmls_id})" if new_owner.nmls_id else "",
        previous=previous_owner.get_full_name() or previous_owner.username,
        officer_phone=display_phone(new_owner.phone) if new_owner.phone else lead.organisation.name,
    )
    if channel == "sms":
        body += OPT_OUT_LINE[language]
    queue_message(
        lead,
        channel,
        body,
        subject=EMAIL_SUBJECT[language].format(first_name=lead.first_name or "")
        if channel == "email"
        else None,
        purpose="first_touch",
        is_marketing=False,
        sent_by=new_owner,
        idempotency_key=f"handover:{lead.pk}:{new_owner.pk}",
    )
    record_event(lead, TimelineEvent.Kind.MESSAGE, f"{new_owner} introduced themselves to the borrower")
    return True
