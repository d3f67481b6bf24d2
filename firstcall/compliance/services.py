"""The Django side of the touch gate: read the facts about a lead and an address, ask the engine, store the
decision. Callers (the messaging outbox, call tasks, click-to-call) pass what only they know (the kind of touch,
what it is about) and act on the answer; this module changes nothing but its own tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from firstcall.compliance.engine import gate
from firstcall.compliance.engine.gate import ConsentRecord, Decision, DoNotCall, PastTouch, Sender, Touch
from firstcall.compliance.models import (
    ComplianceProfile,
    ContactAttempt,
    InternalDoNotCall,
    NationalDncNumber,
    PartnerSharingConsent,
    SourceConsentRule,
    TouchDecision,
)
from firstcall.leads.models import Consent, Lead

# leads.Consent names the call channel "calls"; the engine and the outbox say "call".
LEAD_CHANNEL = {"sms": "sms", "email": "email", "call": "calls"}
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _normal(channel: str, address: str) -> str:
    if channel == "email":
        return (address or "").strip().lower()
    return gate.normalise_phone(address or "") or (address or "").strip()


def consent_records(lead: Lead | None, channel: str, rows: list | None = None) -> tuple[ConsentRecord, ...]:
    """The lead's consent history on one channel as (address, given, revoked) periods.

    A period opens with a grant for an address and closes with a revocation for it. A lead whose consent flag is
    set but has no consent row with an address (created by hand before addresses were kept) has consent for
    its current address only, so a new number still has none until given. ``rows``: the lead's consent rows
    on the channel, already read (a list deciding many leads at once)."""
    if lead is None:
        return ()
    return consent_periods(lead, channel, rows)


def consent_periods(lead: Lead, channel: str, rows: list[Consent] | None) -> tuple[ConsentRecord, ...]:
    """consent_records() from the lead's consent rows on the channel when already read (None: read here)."""
    lead_channel = LEAD_CHANNEL[channel]
    if rows is None:
        rows = list(
            Consent.objects.filter(lead=lead, channel=lead_channel)
            .exclude(address="")
            .order_by("recorded_at", "id")
        )
    else:
        rows = sorted((row for row in rows if row.address), key=lambda row: (row.recorded_at, row.pk))
    if not getattr(lead, f"consent_{lead_channel}", False):
        # Nothing granted now; the revocations are still shown with their times.
        return tuple(
            ConsentRecord(channel, row.address, EPOCH, row.recorded_at) for row in rows if not row.is_granted
        )
    if not rows:
        current = lead.email if channel == "email" else lead.phone
        # When it was given is not recorded: the period is open from the start.
        return (ConsentRecord(channel, current or "", EPOCH, None, False),)
    periods: list[ConsentRecord] = []
    open_periods: dict[str, ConsentRecord] = {}
    for row in rows:
        key = _normal(channel, row.address)
        if row.is_granted:
            if key not in open_periods:
                open_periods[key] = ConsentRecord(
                    channel, row.address, row.recorded_at, None, bool(row.disclosure_text.strip())
                )
        elif key in open_periods:
            start = open_periods.pop(key)
            periods.append(
                ConsentRecord(channel, start.address, start.given_at, row.recorded_at, start.written)
            )
        else:
            periods.append(ConsentRecord(channel, row.address, EPOCH, row.recorded_at))
    return tuple(periods + list(open_periods.values()))


def record_attempt(
    organisation,
    lead,
    channel: str,
    address: str,
    *,
    kind: str,
    at: datetime | None = None,
    subject_type: str = "",
    subject_id: int | None = None,
) -> None:
    """A text went out or a call was placed: the caps count it."""
    row = attempt_row(
        organisation, lead, channel, address, kind=kind, at=at, subject_type=subject_type, subject_id=subject_id
    )
    if row is not None:
        row.save(force_insert=True)


def attempt_row(
    organisation, lead, channel: str, address: str, *, kind: str, at: datetime | None = None,
    subject_type: str = "", subject_id: int | None = None,
) -> ContactAttempt | None:  # fmt: skip
    """record_attempt()'s row, unsaved (None when nothing is recorded), for a batch to bulk-create."""
    if channel not in ("sms", "call") or not address:
        return None
    return ContactAttempt(
        organisation=organisation,
        lead=lead,
        channel=channel,
        address=_normal(channel, address),
        kind=kind,
        at=at or timezone.now(),
        subject_type=subject_type,
        subject_id=subject_id,
    )


def record_call_task(organisation, lead, task_id: int, *, at: datetime | None = None) -> None:
    """A cadence created a call task: the call it asks for is a solicitation, and the FL/OK/MD cap counts it
    with the texts from now on, so an automatic text cannot take the borrower past 3 touches in 24 hours while
    the call is due (Fla. Stat. 501.616(6)(b); 15 O.S. § 775C.1 et seq.; Md. Code, Com. Law § 14-4501 et seq.;
    REFERENCE §4.3: calls and texts on the same subject together)."""
    if not getattr(lead, "phone", ""):
        return
    if ContactAttempt.objects.filter(subject_type="call_task", subject_id=task_id).exists():
        return
    record_attempt(
        organisation,
        lead,
        "call",
        lead.phone,
        kind="marketing",
        at=at,
        subject_type="call_task",
        subject_id=task_id,
    )


def record_call_task_done(organisation, lead, task_id: int, *, at: datetime | None = None) -> None:
    """The loan officer made the task's call: the attempt counts at the time of the call (moved there from the
    task's creation, or recorded now for a task that had none)."""
    at = at or timezone.now()
    if not ContactAttempt.objects.filter(subject_type="call_task", subject_id=task_id).update(at=at):
        record_attempt(
            organisation,
            lead,
            "call",
            getattr(lead, "phone", ""),
            kind="marketing",
            at=at,
            subject_type="call_task",
            subject_id=task_id,
        )


def recent_attempts(
    organisation_id: int,
    lead_id: int | None,
    address: str,
    at: datetime,
    channels: Iterable[str] = ("sms", "call"),
) -> tuple[PastTouch, ...]:
    """Solicitations in the 24 hours before ``at`` to this number or this lead, calls and texts together."""
    where = Q(address=_normal("sms", address))
    if lead_id:
        where |= Q(lead_id=lead_id)
    rows = (
        ContactAttempt.objects.filter(
            where,
            organisation_id=organisation_id,
            channel__in=list(channels),
            at__gt=at - timedelta(hours=24),
        )
        .filter(at__lte=at)
        .exclude(kind="transactional")
        .order_by("pk")
    )
    return tuple(PastTouch(channel, moment) for channel, moment in rows.values_list("channel", "at"))


def on_internal_do_not_call(organisation_id: int, lead_id: int | None, phone: str) -> bool:
    entries = InternalDoNotCall.objects.filter(organisation_id=organisation_id, lifted_at__isnull=True)
    where = Q(phone=_normal("call", phone)) if phone else Q(pk__in=[])
    if lead_id:
        where |= Q(lead_id=lead_id)
    return entries.filter(where).exists()


def on_national_dnc(organisation_id: int, phone: str) -> bool:
    normal = gate.normalise_phone(phone or "")
    return (
        bool(normal)
        and NationalDncNumber.objects.filter(organisation_id=organisation_id, phone=normal).exists()
    )


def build_touch(
    organisation,
    lead: Lead | None,
    *,
    channel: str,
    kind: str,
    address: str,
    at: datetime,
    is_response: bool = False,
    internal_do_not_call: bool = False,
    recent_texts: Iterable[datetime] | None = None,
) -> Touch:
    """``recent_texts``: the outbox's own count of texts sent to the number (then only calls are read from the
    attempt log, so no text is counted twice)."""
    phone_like = channel in ("sms", "call")
    dnc = DoNotCall()
    past: tuple[PastTouch, ...] = ()
    if phone_like:
        dnc = DoNotCall(
            internal=internal_do_not_call
            or on_internal_do_not_call(organisation.pk, getattr(lead, "pk", None), address),
            national=on_national_dnc(organisation.pk, address),
            last_inquiry_on=lead.last_inquiry_at.date()
            if lead is not None and lead.last_inquiry_at
            else None,
        )
        if recent_texts is None:
            past = recent_attempts(organisation.pk, getattr(lead, "pk", None), address, at)
        else:
            calls = recent_attempts(
                organisation.pk, getattr(lead, "pk", None), address, at, channels=("call",)
            )
            past = calls + tuple(PastTouch("sms", moment) for moment in recent_texts)
    return Touch(
        channel=channel,
        kind=kind,
        to=address or "",
        at=at,
        zip=getattr(lead, "zip_code", "") or "",
        state=getattr(lead, "state", "") or "",
        consent=consent_records(lead, channel),
        touches_last_24h=past,
        dnc=dnc,
        sender=Sender(postal_address=organisation.postal_address or "") if channel == "email" else None,
        is_response=is_response,
    )


class TouchFacts:
    """What build_touch() reads, for many touches at one instant in a few queries: consent rows, do-not-call
    entries and recent calls for a set of leads and numbers of one or more organisations. ``touch()`` then
    builds exactly the Touch build_touch() would."""

    def __init__(self, at: datetime, wanted: Iterable[tuple[int, Lead | None, str, str]]):
        """``wanted``: (organisation id, lead, channel, address) of every touch to be built."""
        self.at = at
        wanted = list(wanted)
        organisation_ids = {organisation_id for organisation_id, _lead, _channel, _address in wanted}
        leads = {lead.pk: lead for _org, lead, _channel, _address in wanted if lead is not None}
        lead_channels = {LEAD_CHANNEL[channel] for _org, _lead, channel, _address in wanted}
        self._consents: dict[tuple[int, str], list[Consent]] = {}
        if leads:
            rows = (
                Consent.objects.filter(lead_id__in=list(leads), channel__in=list(lead_channels))
                .exclude(address="")
                .order_by("recorded_at", "id")
            )
            for row in rows:
                self._consents.setdefault((row.lead_id, row.channel), []).append(row)
        phones = {
            (organisation_id, address)
            for organisation_id, _lead, channel, address in wanted
            if channel in ("sms", "call") and address
        }
        lead_ids = [pk for pk in leads]
        self._calls: list[tuple[int, int | None, str, str, datetime]] = []
        self._internal: list[tuple[int, int | None, str]] = []
        self._national: set[tuple[int, str]] = set()
        if phones:
            attempt_addresses = {_normal("sms", address) for _org, address in phones}
            dnc_phones = {_normal("call", address) for _org, address in phones}
            self._calls = list(
                ContactAttempt.objects.filter(
                    Q(address__in=attempt_addresses) | Q(lead_id__in=lead_ids),
                    organisation_id__in=organisation_ids,
                    at__gt=at - timedelta(hours=24),
                )
                .filter(at__lte=at)
                .exclude(kind="transactional")
                .order_by("pk")
                .values_list("organisation_id", "lead_id", "address", "channel", "at")
            )
            self._internal = list(
                InternalDoNotCall.objects.filter(organisation_id__in=organisation_ids, lifted_at__isnull=True)
                .filter(Q(phone__in=dnc_phones) | Q(lead_id__in=lead_ids))
                .values_list("organisation_id", "lead_id", "phone")
            )
            normals = {gate.normalise_phone(address or "") for _org, address in phones} - {None}
            self._national = set(
                NationalDncNumber.objects.filter(
                    organisation_id__in=organisation_ids, phone__in=normals
                ).values_list("organisation_id", "phone")
            )

    def consent_records(self, lead: Lead | None, channel: str) -> tuple[ConsentRecord, ...]:
        if lead is None:
            return ()
        return consent_periods(lead, channel, self._consents.get((lead.pk, LEAD_CHANNEL[channel]), []))

    def recent_attempts(self, organisation_id, lead_id, address, channels) -> tuple[PastTouch, ...]:
        normal = _normal("sms", address)
        return tuple(
            PastTouch(channel, moment)
            for org, row_lead, row_address, channel, moment in self._calls
            if org == organisation_id
            and channel in channels
            and (row_address == normal or (lead_id and row_lead == lead_id))
        )

    def on_internal_do_not_call(self, organisation_id: int, lead_id: int | None, phone: str) -> bool:
        normal = _normal("call", phone) if phone else None
        return any(
            org == organisation_id
            and ((normal is not None and row_phone == normal) or (lead_id and row_lead == lead_id))
            for org, row_lead, row_phone in self._internal
        )

    def on_national_dnc(self, organisation_id: int, phone: str) -> bool:
        normal = gate.normalise_phone(phone or "")
        return bool(normal) and (organisation_id, normal) in self._national

    def touch(
        self,
        organisation,
        lead: Lead | None,
        *,
        channel: str,
        kind: str,
        address: str,
        recent_texts: Iterable[datetime] | None = None,
    ) -> Touch:
        """build_touch() at this instant, from the prefetched rows."""
        phone_like = channel in ("sms", "call")
        lead_id = getattr(lead, "pk", None)
        dnc = DoNotCall()
        past: tuple[PastTouch, ...] = ()
        if phone_like:
            dnc = DoNotCall(
                internal=self.on_internal_do_not_call(organisation.pk, lead_id, address),
                national=self.on_national_dnc(organisation.pk, address),
                last_inquiry_on=lead.last_inquiry_at.date()
                if lead is not None and lead.last_inquiry_at
                else None,
            )
            if recent_texts is None:
                past = self.recent_attempts(organisation.pk, lead_id, address, ("sms", "call"))
            else:
                calls = self.recent_attempts(organisation.pk, lead_id, address, ("call",))
                past = calls + tuple(PastTouch("sms", moment) for moment in recent_texts)
        return Touch(
            channel=channel,
            kind=kind,
            to=address or "",
            at=self.at,
            zip=getattr(lead, "zip_code", "") or "",
            state=getattr(lead, "state", "") or "",
            consent=self.consent_records(lead, channel),
            touches_last_24h=past,
            dnc=dnc,
            sender=Sender(postal_address=organisation.postal_address or "") if channel == "email" else None,
            is_response=False,
        )


def decision_row(
    organisation,
    lead,
    touch: Touch,
    decision: Decision,
    *,
    subject_type: str = "",
    subject_id: int | None = None,
    actor=None,
) -> TouchDecision:
    """The compliance log row for a decision, unsaved (store_decision saves it; a batch bulk-creates them)."""
    return TouchDecision(
        organisation=organisation,
        lead=lead,
        channel=touch.channel,
        kind=touch.kind,
        address=touch.to[:320],
        subject_type=subject_type,
        subject_id=subject_id,
        outcome=decision.outcome,
        until=decision.until,
        reasons=[{**reason.as_dict(), "outcome": reason.outcome} for reason in decision.reasons],
        rule_versions=dict(decision.rule_versions),
        summary=decision.summary[:500],
        decided_at=touch.at,
        actor=actor if getattr(actor, "pk", None) else None,
    )


def store_decision(
    organisation,
    lead,
    touch: Touch,
    decision: Decision,
    *,
    subject_type: str = "",
    subject_id: int | None = None,
    actor=None,
) -> TouchDecision:
    row = decision_row(
        organisation, lead, touch, decision, subject_type=subject_type, subject_id=subject_id, actor=actor
    )
    row.save(force_insert=True)
    return row


def decide_touch(
    organisation,
    lead: Lead | None,
    *,
    channel: str,
    kind: str,
    address: str,
    at: datetime | None = None,
    subject_type: str = "",
    subject_id: int | None = None,
    actor=None,
    is_response: bool = False,
    internal_do_not_call: bool = False,
) -> tuple[Decision, TouchDecision]:
    """Decide one touch and store the decision (what, when, each rule with its version, the outcome)."""
    at = at or timezone.now()
    touch = build_touch(
        organisation,
        lead,
        channel=channel,
        kind=kind,
        address=address,
        at=at,
        is_response=is_response,
        internal_do_not_call=internal_do_not_call,
    )
    decision = gate.decide(touch)
    stored = store_decision(
        organisation, lead, touch, decision, subject_type=subject_type, subject_id=subject_id, actor=actor
    )
    return decision, stored


def decide_call(lead: Lead, *, actor=None, kind: str = "manual", subject_type: str = "click_to_call",
                subject_id: int | None = None, at: datetime | None = None) -> tuple[Decision, TouchDecision]:  # fmt: skip
    """May a loan officer call this lead now? Calls need call consent for the number, the window in the
    borrower's local time, the caps, and neither do-not-call list."""
    return decide_touch(
        lead.organisation,
        lead,
        channel="call",
        kind=kind,
        address=lead.phone,
        at=at,
        subject_type=subject_type,
        subject_id=subject_id,
        actor=actor,
    )


def preview_calls(leads: Iterable[Lead], at: datetime | None = None) -> dict[int, tuple[Lead, Decision]]:
    """``preview_call`` for every lead of a list in a fixed number of queries, whatever the list's length: the
    same facts (call consent per number, both do-not-call lists, calls and texts in the last 24 hours), read for
    all leads at once, and the same engine decision for each. Returns each lead with a phone, read in full,
    and its decision, by id."""
    at = at or timezone.now()
    given = [lead for lead in leads if lead is not None and lead.pk]
    ids = list(dict.fromkeys(lead.pk for lead in given))
    if not ids:
        return {}
    if all(not lead.get_deferred_fields() and Lead.organisation.is_cached(lead) for lead in given):
        full = [lead for lead in {lead.pk: lead for lead in given}.values() if lead.phone]
    else:  # a list loads a few fields of each lead; the gate needs the address, consent and location facts
        full = list(Lead.objects.select_related("organisation").filter(pk__in=ids).exclude(phone=""))
    if not full:
        return {}
    phones = {lead.pk: _normal("call", lead.phone) for lead in full}
    organisation_ids = {lead.organisation_id for lead in full}
    consents: dict[int, list] = defaultdict(list)
    for row in Consent.objects.filter(lead_id__in=ids, channel=LEAD_CHANNEL["call"]).exclude(address=""):
        consents[row.lead_id].append(row)
    internal = list(
        InternalDoNotCall.objects.filter(organisation_id__in=organisation_ids, lifted_at__isnull=True)
        .filter(Q(lead_id__in=ids) | Q(phone__in=list(phones.values())))
        .values_list("organisation_id", "lead_id", "phone")
    )
    national = set(
        NationalDncNumber.objects.filter(
            organisation_id__in=organisation_ids, phone__in=list(phones.values())
        ).values_list("organisation_id", "phone")
    )
    attempts = list(
        ContactAttempt.objects.filter(
            organisation_id__in=organisation_ids,
            channel__in=["sms", "call"],
            at__gt=at - timedelta(hours=24),
            at__lte=at,
        )
        .filter(Q(address__in=list(phones.values())) | Q(lead_id__in=ids))
        .exclude(kind="transactional")
        .values_list("organisation_id", "lead_id", "address", "channel", "at")
    )
    decisions = {}
    for lead in full:
        phone = phones[lead.pk]
        org = lead.organisation_id
        dnc = DoNotCall(
            internal=any(
                o == org and (lead_id == lead.pk or number == phone) for o, lead_id, number in internal
            ),
            national=(org, gate.normalise_phone(lead.phone or "")) in national,
            last_inquiry_on=lead.last_inquiry_at.date() if lead.last_inquiry_at else None,
        )
        past = tuple(
            PastTouch(channel, moment)
            for o, lead_id, address, channel, moment in attempts
            if o == org and (lead_id == lead.pk or address == phone)
        )
        touch = Touch(
            channel="call",
            kind="manual",
            to=lead.phone,
            at=at,
            zip=lead.zip_code or "",
            state=lead.state or "",
            consent=consent_records(lead, "call", consents.get(lead.pk, [])),
            touches_last_24h=past,
            dnc=dnc,
        )
        decisions[lead.pk] = (lead, gate.decide(touch))
    return decisions


def preview_call(lead: Lead, at: datetime | None = None) -> Decision:
    """The same decision, not stored: for showing "call now" or "call after 8 a.m." on a list."""
    touch = build_touch(
        lead.organisation, lead, channel="call", kind="manual", address=lead.phone, at=at or timezone.now()
    )
    return gate.decide(touch)


# --------------------------------------------------------------------------------------- do-not-call lists


@transaction.atomic
def add_to_internal_do_not_call(organisation, *, lead: Lead | None = None, phone: str = "", reason: str = "",
                                actor=None) -> InternalDoNotCall:  # fmt: skip
    """A lead-level entry (every number the lead has) or an organisation-level entry for one number."""
    if lead is None and not phone:
        raise ValueError("an internal do-not-call entry needs a lead or a phone number")
    return InternalDoNotCall.objects.create(
        organisation=organisation,
        lead=lead,
        phone=_normal("call", phone) if phone else "",
        reason=reason[:300],
        created_by=actor if getattr(actor, "pk", None) else None,
    )


# ------------------------------------------------------------------------------------------------ settings


def company_nmls_id(organisation) -> str:
    """The company's NMLS unique identifier (SAFE Act; 12 CFR 1008.105 and state advertising rules): the one an
    admin sets in Settings, Organisation (also shown on the public forms)."""
    if (organisation.nmls_id or "").strip():
        return organisation.nmls_id.strip()
    return (
        ComplianceProfile.objects.filter(organisation=organisation)
        .values_list("company_nmls_id", flat=True)
        .first()
        or ""
    )


def set_company_nmls_id(organisation, value: str) -> ComplianceProfile:
    value = (value or "").strip()[:20]
    type(organisation).objects.filter(pk=organisation.pk).update(nmls_id=value)
    organisation.nmls_id = value
    profile, _ = ComplianceProfile.objects.update_or_create(
        organisation=organisation, defaults={"company_nmls_id": value}
    )
    return profile


def marketing_nmls_blocker(organisation, loan_officer=None) -> str | None:
    """Why marketing from this organisation (and this loan officer) cannot go out, or None: every marketing
    message carries the company's and the loan officer's NMLS IDs (SAFE Act, 12 U.S.C. 5101 et seq.;
    12 CFR 1007.105(c), 1008.105; state advertising rules)."""
    missing = []
    if not company_nmls_id(organisation):
        missing.append("the company's NMLS ID (Settings, Organisation)")
    if loan_officer is not None and not (loan_officer.nmls_id or "").strip():
        missing.append(f"{loan_officer.get_full_name() or loan_officer}'s NMLS ID (their profile)")
    if not missing:
        return None
    return "Marketing messages are off: add " + " and ".join(missing) + " (SAFE Act)."


def marketing_email_blocker(organisation) -> str | None:
    """Why this organisation cannot send marketing email, or None. CAN-SPAM needs a valid postal address
    (15 U.S.C. 7704(a)(5)(A)(iii)); the organisation's name is no substitute."""
    if not (organisation.postal_address or "").strip():
        return "Marketing email is off: add your postal address in Settings (CAN-SPAM requires it in every email)."
    return None


def set_source_requires_consent_token(source, required: bool) -> bool:
    """Whether the source's leads must carry a consent certificate before automatic texts; True when it changed."""
    if source_requires_consent_token(source.pk) == required:
        return False
    SourceConsentRule.objects.update_or_create(source=source, defaults={"requires_consent_token": required})
    return True


def source_requires_consent_token(source_id: int | None) -> bool:
    if not source_id:
        return False
    return SourceConsentRule.objects.filter(source_id=source_id, requires_consent_token=True).exists()


def has_consent_token(lead: Lead, channel: str = "sms") -> bool:
    """A TrustedForm certificate or Jornaya LeadiD came with the consent for the lead's current address."""
    rows = Consent.objects.filter(lead=lead, channel=LEAD_CHANNEL[channel], is_granted=True)
    return rows.filter(~Q(trusted_form_url="") | ~Q(leadid_token="")).exists()


def may_auto_text(lead: Lead) -> tuple[bool, str]:
    """Leads from a source that requires a consent certificate are captured, but texted only by a person
    when none came with them."""
    if source_requires_consent_token(lead.source_id) and not has_consent_token(lead):
        return (
            False,
            "the source requires a TrustedForm or Jornaya LeadiD certificate and none came with the lead",
        )
    return True, ""


# ----------------------------------------------------------------------------------------- partner sharing


def may_share_with_partner(lead: Lead, field: str) -> bool:
    """Credit, income and a lost reason reach a referral partner only with the borrower's authorisation
    (the newest record wins); everything else a partner sees is a milestone."""
    if field not in PartnerSharingConsent.Field.values:
        return True
    latest = (
        PartnerSharingConsent.objects.filter(lead=lead, field=field)
        .values_list("is_granted", flat=True)
        .first()
    )
    return bool(latest)


def record_partner_sharing(
    lead: Lead, fields: Iterable[str], *, is_granted: bool, how: str, actor=None
) -> None:
    for field in fields:
        if field not in PartnerSharingConsent.Field.values:
            raise ValueError(f"unknown partner-sharing field {field!r}")
        PartnerSharingConsent.objects.create(
            lead=lead,
            field=field,
            is_granted=is_granted,
            how=how[:200],
            recorded_by=actor if getattr(actor, "pk", None) else None,
        )
