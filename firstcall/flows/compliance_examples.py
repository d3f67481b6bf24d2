"""Examples of held and refused touches for the demo lender, made by the real gate: a call at night held until the
borrower's window opens, a call to a number on the National Do Not Call Registry refused, and a marketing text to
a number without consent refused by the outbox. Each lands on its lead's timeline with the reasons."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from firstcall.compliance.models import NationalDncNumber
from firstcall.flows import loan_officer_calls as calls
from firstcall.leads.models import Consent, Lead
from firstcall.messaging.services import decide_send, queue_message


def _tonight_at_ten(lead: Lead) -> datetime:
    zone = ZoneInfo(lead.time_zone or "America/New_York")
    local = timezone.now().astimezone(zone)
    night = datetime.combine(local.date(), time(22), tzinfo=zone)
    return (night if night > local else night + timedelta(days=1)).astimezone(UTC)


@transaction.atomic
def seed_compliance_examples(organisation) -> dict:
    """Returns the lead ids used, by example."""
    leads = list(
        Lead.objects.filter(organisation=organisation)
        .exclude(phone="")
        .select_related("owner", "organisation")[:3]
    )
    if len(leads) < 3:
        return {}
    held_call, dnc_call, no_consent = leads
    # 1. A call at 10 p.m. in the borrower's time zone: held until the window opens.
    calls.check_call(held_call, actor=held_call.owner, at=_tonight_at_ten(held_call))
    # 2. The borrower's number is on the National DNC Registry and no relationship or signed agreement covers it.
    NationalDncNumber.objects.get_or_create(
        organisation=organisation, phone=dnc_call.phone, defaults={"area_code": dnc_call.phone[2:5]}
    )
    Consent.objects.filter(lead=dnc_call, channel="calls").update(disclosure_text="")
    Lead.objects.filter(pk=dnc_call.pk).update(
        consent_calls=True, last_inquiry_at=timezone.now() - timedelta(days=200)
    )
    dnc_call.refresh_from_db()
    calls.check_call(dnc_call, actor=dnc_call.owner)
    # 3. A marketing text to a number the borrower never gave consent for.
    Lead.objects.filter(pk=no_consent.pk).update(consent_sms=False)
    message = queue_message(
        no_consent,
        "sms",
        "Rates moved today: want me to run your numbers again?",
        purpose="cadence",
        is_marketing=True,
        idempotency_key=f"demo-compliance-example:{no_consent.pk}",
    )
    decide_send(message)
    return {"held_call": held_call.pk, "national_dnc_call": dnc_call.pk, "no_consent_text": no_consent.pk}
