"""What a loan officer is shown wherever a borrower's number would be dialled: a call link when the gate allows a
call now, otherwise the reason and, for a call that must wait, when the calling window opens in the borrower's
local time. Every page, list, alert and notification that offers a call asks ``call_advice`` (or the
``call_link`` template tag built on it), so no page offers a call the click-to-call gate would hold or refuse.

The rules are the gate's (engine/gate.py): 47 CFR 64.1200(c)(1) (8 a.m.-9 p.m. at the called party's location),
the state windows and the FL/OK/MD cap of 3 per 24 hours (engine/windows.py, REFERENCE §4.3), call consent for
the number (47 CFR 64.1200(a)(2), (f)(9); FCC 24-24 revocation) and both do-not-call lists (64.1200(c)(2), (d)).
The decision shown here is a preview and is not stored; placing the call from the lead page stores it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from firstcall.compliance import services
from firstcall.compliance.engine import ALLOW, HOLD, windows
from firstcall.lib.phones import display_phone


@dataclass(frozen=True)
class CallAdvice:
    outcome: str  # allow, hold, refuse; "" when the lead has no number
    phone: str
    reason: str = ""  # the decisive rules' details (empty when allowed)
    opens_at: datetime | None = None  # UTC, for a held call
    zone: str = ""  # the borrower's time zone the opening is shown in
    capped: bool = False  # held by the FL/OK/MD cap of 3 per 24 hours (the window itself may be open)

    @property
    def may_call(self) -> bool:
        return self.outcome == ALLOW

    @property
    def is_held(self) -> bool:
        return self.outcome == HOLD and self.opens_at is not None

    @property
    def phone_display(self) -> str:
        return display_phone(self.phone) if self.phone else ""

    @property
    def opens_local(self) -> datetime | None:
        if self.opens_at is None:
            return None
        return self.opens_at.astimezone(_zone(self.zone))

    @property
    def opens_text(self) -> str:
        """'8:00 AM EST Wed Mar 11', in the borrower's time."""
        local = self.opens_local
        return _local_text(local) if local is not None else ""

    @property
    def reason_for_people(self) -> str:
        """The gate's reasons as a person reads them: its UTC times (kept so in the log) in the borrower's time."""

        def local(match: re.Match) -> str:
            moment = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
            return _local_text(moment.astimezone(_zone(self.zone)))

        return _UTC_TIME.sub(local, self.reason)

    @property
    def opens_phrase(self) -> str:
        return "next call allowed at" if self.capped else "calling window opens at"


_UTC_TIME = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}) UTC")


def _local_text(local: datetime) -> str:
    return f"{local:%I:%M %p}".lstrip("0") + f" {local:%Z %a %b} {local.day}"


def _zone(name: str):
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def borrower_zone(lead) -> str:
    """The zone a borrower's local time is shown in: the lead's own zone, else the phone's area code, else the
    state's first zone. The gate itself checks every candidate zone; this is only for display."""
    if getattr(lead, "time_zone", ""):
        try:
            ZoneInfo(lead.time_zone)
            return lead.time_zone
        except (ZoneInfoNotFoundError, ValueError):
            pass
    zones = windows.candidate_time_zones(
        None, services.gate.normalise_phone(lead.phone or ""), lead.state or None
    )
    return zones[0] if zones else "UTC"


def call_advice_many(leads, at: datetime | None = None) -> dict[int, CallAdvice]:
    """The advice for every lead of a list (by id), in a fixed number of queries whatever its length."""
    leads = [lead for lead in leads if lead is not None and lead.pk]
    decisions = services.preview_calls(leads, at or timezone.now())
    advice = {}
    for pk in {lead.pk for lead in leads}:
        if pk not in decisions:  # no phone number
            advice[pk] = CallAdvice("", "")
            continue
        lead, decision = decisions[pk]
        phone = lead.phone.strip()
        if decision.outcome == ALLOW:
            advice[lead.pk] = CallAdvice(ALLOW, phone)
        else:
            capped = any(r.rule == "cap.state_24h" and r.outcome == HOLD for r in decision.reasons)
            advice[lead.pk] = CallAdvice(
                decision.outcome, phone, decision.summary, decision.until, borrower_zone(lead), capped
            )
    return advice


def call_advice(lead, at: datetime | None = None) -> CallAdvice:
    """May a loan officer call this lead now; if not, why and from when."""
    if lead is None or not (getattr(lead, "phone", "") or "").strip():
        return CallAdvice("", "")
    return call_advice_many([lead], at)[lead.pk]


def call_line(lead, at: datetime | None = None) -> str:
    """The call line of a text or email alert: 'Call (813) 555-0142: tel:+18135550142' when the borrower may be
    called now, else when the calling window opens, or why not to call."""
    advice = call_advice(lead, at)
    if not advice.phone:
        return ""
    if advice.may_call:
        return f"Call {advice.phone_display}: tel:{advice.phone}"
    if advice.is_held:
        return f"Do not call yet: {advice.opens_phrase} {advice.opens_text} (the borrower's time)."
    return f"Do not call: {advice.reason}"
