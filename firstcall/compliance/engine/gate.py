"""The touch gate: may this text, email or call reach this person now, later, or never? Pure Python (no Django).

``decide(touch)`` takes plain data (``Touch``, or the JSON of ``firstcall gate -`` through ``touch_from_json``)
and returns a ``Decision``: ``allow``, ``hold`` until a moment, or ``refuse``, with one reason per rule checked
(rule id, citation, detail) and the version of every rule it used, so a stored decision can be explained later.

Order of checks (the first refusal wins; holds are combined and the latest moment wins):
  1. the address: a malformed phone number or email address refuses the touch;
  2. the internal do-not-call list (lead or organisation): refuses solicitations;
  3. consent for this (channel, address) pair, in force at the moment of the touch;
  4. National Do Not Call Registry, with the established-business-relationship and written-agreement
     exceptions (telephone solicitations only: marketing and manual texts and calls);
  5. CAN-SPAM sender identification for marketing email (a postal address on file);
  6. calling windows in the recipient's local time (texts and calls), strictest of every candidate zone and
     state; held until the window opens, never dropped;
  7. the FL/OK/MD cap of 3 solicitations per 24 hours, calls and texts counted together.

Sources: /work/shared/domain/REFERENCE.md §4 (checked 2026-12-07). Not legal advice; have counsel review it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import phonenumbers

from firstcall.compliance.engine import windows
from firstcall.lib.geography import InvalidZip, lookup_zip

CHANNELS = ("sms", "email", "call")
KINDS = ("marketing", "transactional", "manual")
ALLOW, HOLD, REFUSE = "allow", "hold", "refuse"

# Established business relationship (TSR 16 CFR 310.2(q); 47 CFR 64.1200(f)(5)): 18 months after the last
# transaction, 3 months after an inquiry or application. REFERENCE §4.2 [V].
EBR_AFTER_TRANSACTION_MONTHS = 18
EBR_AFTER_INQUIRY_MONTHS = 3


@dataclass(frozen=True)
class Rule:
    id: str
    version: str  # the date the rule's text and data were last checked against the source
    citation: str


def _rule(id: str, citation: str, version: str = "2026-12-07") -> Rule:
    return Rule(id, version, citation)


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        _rule("address.phone", "47 CFR 64.1200(f)(9) (consent names the number); E.164 (ITU-T)"),
        _rule("address.email", "15 U.S.C. 7704(a) (CAN-SPAM); RFC 5321"),
        _rule("dnc.internal", "47 CFR 64.1200(d) (company-specific do-not-call list); 64.1200(f)(5)(i)"),
        _rule(
            "consent.sms",
            "47 U.S.C. 227(b)(1)(A); 47 CFR 64.1200(a)(2)-(3), (f)(9) (prior express written consent); "
            "FCC 24-24 (revocation by any reasonable means, 64.1200(a)(10))",
        ),
        _rule(
            "consent.call",
            "47 U.S.C. 227(b)(1); 47 CFR 64.1200(a)(2)-(3), (f)(9); Fla. Stat. 501.059(8)(a); "
            "FCC 24-24 (revocation, 64.1200(a)(10))",
        ),
        _rule(
            "consent.email",
            "15 U.S.C. 7704(a)(4) (CAN-SPAM opt-out honoured within 10 business days); "
            "FirstCall requires an email consent on file before any email",
        ),
        _rule(
            "dnc.national",
            "47 CFR 64.1200(c)(2); 16 CFR 310.4(b)(1)(iii)(B) (TSR); EBR 16 CFR 310.2(q), 64.1200(f)(5); "
            "written agreement 64.1200(c)(2)(ii); scrub every 31 days 16 CFR 310.4(b)(3)(iv)",
        ),
        _rule(
            "canspam.postal_address",
            "15 U.S.C. 7704(a)(5)(A)(iii); 16 CFR 316.2(p) (valid physical postal address)",
        ),
        _rule("window.federal", windows.FEDERAL_CALLING_WINDOW.source),
        _rule(
            "window.state",
            "state calling-hour laws, REFERENCE §4.3 (each window carries its own source); CT, PA and RI "
            "re-checked 2026-12-08",
            version="2026-12-08",
        ),
        _rule(
            "window.policy",
            "FirstCall policy: 47 CFR 64.1200(c)(1) covers solicitations; the same window is applied to "
            "every automated text and call",
        ),
        _rule(
            "cap.state_24h",
            "Fla. Stat. 501.616(6)(b); Okla. Stat. tit. 15, § 775C.1 et seq.; Md. Code, Com. Law § 14-4501 et seq. "
            "(REFERENCE §4.3): at most 3 per 24 h on the same subject, calls and texts together",
        ),
        _rule("response.exempt", "47 CFR 64.1200(a)(12) (one opt-out confirmation); CTIA HELP/STOP answers"),
    )
}


class TouchError(ValueError):
    """The touch itself is malformed (a missing or mistyped field): no decision can be made."""


@dataclass(frozen=True)
class ConsentRecord:
    channel: str
    address: str
    given_at: datetime | None
    revoked_at: datetime | None = None
    written: bool = False  # signed written agreement naming the number (web form checkbox, E-SIGN)


@dataclass(frozen=True)
class PastTouch:
    channel: str
    at: datetime


@dataclass(frozen=True)
class DoNotCall:
    internal: bool = False
    national: bool = False
    ebr_until: date | None = None
    last_transaction_on: date | None = None
    last_inquiry_on: date | None = None


@dataclass(frozen=True)
class Sender:
    """What the sending organisation has on file; None for a field means "not given" (not checked)."""

    postal_address: str | None = None


@dataclass(frozen=True)
class Touch:
    channel: str
    kind: str
    to: str
    at: datetime
    zip: str = ""
    state: str = ""
    consent: tuple[ConsentRecord, ...] = ()
    touches_last_24h: tuple[PastTouch, ...] = ()
    dnc: DoNotCall = field(default_factory=DoNotCall)
    sender: Sender | None = None
    # An answer to the recipient's own HELP/STOP/START: allowed at once (64.1200(a)(12), CTIA).
    is_response: bool = False


@dataclass(frozen=True)
class Reason:
    rule: str
    citation: str
    detail: str
    outcome: str = ALLOW  # what this rule alone decided

    def as_dict(self) -> dict:
        return {"rule": self.rule, "citation": self.citation, "detail": self.detail}


@dataclass(frozen=True)
class Decision:
    outcome: str
    until: datetime | None
    reasons: tuple[Reason, ...]
    rule_versions: Mapping[str, str]
    needs_review: bool = False

    @property
    def allowed(self) -> bool:
        return self.outcome == ALLOW

    @property
    def summary(self) -> str:
        decisive = [r for r in self.reasons if r.outcome == self.outcome] or list(self.reasons)
        return "; ".join(r.detail for r in decisive)

    def as_dict(self) -> dict:
        """The ``firstcall gate`` contract: decision, until, reasons[{rule, citation, detail}]."""
        return {
            "decision": self.outcome,
            "until": self.until.astimezone(UTC).isoformat().replace("+00:00", "Z") if self.until else None,
            "reasons": [reason.as_dict() for reason in self.reasons],
        }


# ----------------------------------------------------------------------------------------------- helpers


def _reason(rule_id: str, detail: str, outcome: str = ALLOW, citation: str | None = None) -> Reason:
    return Reason(rule_id, citation or RULES[rule_id].citation, detail, outcome)


@lru_cache(maxsize=8192)
def normalise_phone(raw: str) -> str | None:
    """E.164 for a valid North American number, else None. Cached: every decision reads the number several
    times (consent periods, do-not-call lists, caps), and parsing is most of the gate's time."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str) -> str | None:
    text = (raw or "").strip().lower()
    local, _, domain = text.rpartition("@")
    if not local or "." not in domain or " " in text or domain.startswith(".") or domain.endswith("."):
        return None
    return text


def _address(channel: str, raw: str) -> str | None:
    return normalise_email(raw) if channel == "email" else normalise_phone(raw)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def ebr_until(dnc: DoNotCall) -> tuple[date | None, str]:
    """The last day the established business relationship lasts, and how it was worked out."""
    candidates: list[tuple[date, str]] = []
    if dnc.ebr_until:
        candidates.append((dnc.ebr_until, f"relationship on file until {dnc.ebr_until}"))
    if dnc.last_transaction_on:
        end = add_months(dnc.last_transaction_on, EBR_AFTER_TRANSACTION_MONTHS)
        candidates.append((end, f"last transaction {dnc.last_transaction_on} + 18 months = {end}"))
    if dnc.last_inquiry_on:
        end = add_months(dnc.last_inquiry_on, EBR_AFTER_INQUIRY_MONTHS)
        candidates.append((end, f"inquiry or application {dnc.last_inquiry_on} + 3 months = {end}"))
    if not candidates:
        return None, ""
    return max(candidates)


def _consent_for(touch: Touch, address: str) -> tuple[ConsentRecord | None, ConsentRecord | None]:
    """(consent in force at the touch, the most recent revoked one) for this channel and this address."""
    in_force = revoked = None
    for record in touch.consent:
        if record.channel != touch.channel:
            continue
        if _address(record.channel, record.address) != address:
            continue
        if record.given_at is not None and record.given_at > touch.at:
            continue
        if record.revoked_at is not None and record.revoked_at <= touch.at:
            if revoked is None or record.revoked_at > revoked.revoked_at:
                revoked = record
            continue
        if record.given_at is None:
            continue
        if in_force is None or record.given_at > in_force.given_at:
            in_force = record
    return in_force, revoked


def _zip_facts(raw: str):
    if not raw:
        return None
    try:
        return lookup_zip(raw)
    except InvalidZip:
        return None


# ------------------------------------------------------------------------------------------------ decide


def decide(touch: Touch) -> Decision:
    """Allow, hold until a moment, or refuse one touch; every rule checked leaves a reason."""
    if touch.channel not in CHANNELS:
        raise TouchError(f"channel must be one of {', '.join(CHANNELS)}")
    if touch.kind not in KINDS:
        raise TouchError(f"kind must be one of {', '.join(KINDS)}")
    if touch.at.tzinfo is None or touch.at.utcoffset() is None:
        raise TouchError("at must be a timezone-aware time")
    at = touch.at.astimezone(UTC)
    touch = _replace_at(touch, at)
    reasons: list[Reason] = []
    used: set[str] = set()

    def note(rule_id: str, detail: str, outcome: str = ALLOW, citation: str | None = None) -> None:
        used.add(rule_id)
        reasons.append(_reason(rule_id, detail, outcome, citation))

    def finish(outcome: str, until: datetime | None = None, needs_review: bool = False) -> Decision:
        decisive = [r for r in reasons if r.outcome == outcome]
        rest = [r for r in reasons if r.outcome != outcome]
        versions = {rule_id: RULES[rule_id].version for rule_id in sorted(used)}
        return Decision(outcome, until, tuple(decisive + rest), versions, needs_review)

    channel_word = {"sms": "text", "email": "email", "call": "call"}[touch.channel]
    solicitation = touch.kind in ("marketing", "manual")

    # 1. The address.
    address = _address(touch.channel, touch.to)
    if address is None:
        rule_id = "address.email" if touch.channel == "email" else "address.phone"
        note(
            rule_id,
            f"'{touch.to[:40]}' is not a valid {'email address' if touch.channel == 'email' else 'phone number'}",
            REFUSE,
        )
        return finish(REFUSE)

    if touch.is_response:
        note("response.exempt", "answer to the recipient's own HELP/STOP/START request: sent at once")
        return finish(ALLOW)

    # 2. Internal do-not-call list (lead- or organisation-level).
    if touch.dnc.internal:
        if solicitation or touch.channel == "call":
            note("dnc.internal", f"{address} is on the internal do-not-call list", REFUSE)
            return finish(REFUSE)
        note(
            "dnc.internal",
            "on the internal do-not-call list, but a transactional text or email is not a solicitation",
        )

    # 3. Consent for this channel and this address.
    in_force, revoked = _consent_for(touch, address)
    consent_rule = f"consent.{touch.channel}"
    if in_force is None:
        if revoked is not None:
            note(
                consent_rule,
                f"{channel_word} consent for {address} revoked at {revoked.revoked_at:%Y-%m-%d %H:%M} UTC",
                REFUSE,
            )
        else:
            note(consent_rule, f"no {channel_word} consent on file for {address}", REFUSE)
        return finish(REFUSE)
    given = (
        f"{in_force.given_at:%Y-%m-%d %H:%M} UTC" if in_force.given_at.year > 2000 else "(time not recorded)"
    )
    note(consent_rule, f"{channel_word} consent for {address} given {given}")

    # 4. National Do Not Call Registry (telephone solicitations; texts are calls).
    if touch.channel in ("sms", "call") and solicitation:
        if touch.dnc.national:
            end, how = ebr_until(touch.dnc)
            if in_force.written:
                note(
                    "dnc.national",
                    f"on the National DNC Registry; signed written agreement naming {address} "
                    f"given {in_force.given_at:%Y-%m-%d} (64.1200(c)(2)(ii))",
                )
            elif end is not None and at.date() <= end:
                note(
                    "dnc.national", f"on the National DNC Registry; established business relationship: {how}"
                )
            else:
                detail = "on the National DNC Registry and no established business relationship"
                if end is not None:
                    detail += f" (it ended: {how})"
                note("dnc.national", detail, REFUSE)
                return finish(REFUSE)
        else:
            note("dnc.national", "not on the National DNC Registry (as of the last scrub)")

    # 5. CAN-SPAM sender identification.
    if touch.channel == "email" and touch.kind == "marketing" and touch.sender is not None:
        if not (touch.sender.postal_address or "").strip():
            note(
                "canspam.postal_address",
                "the lender has no postal address on file: marketing email cannot be sent",
                REFUSE,
            )
            return finish(REFUSE)
        note("canspam.postal_address", "postal address on file goes in the footer")

    if touch.channel == "email":
        return finish(ALLOW)

    # 6. Calling windows in the recipient's local time.
    zip_facts = _zip_facts(touch.zip)
    state = (touch.state or "").strip().upper()
    known_state = state if state in windows.STATE_TIME_ZONES else ""
    zones = windows.candidate_time_zones(
        zip_facts.time_zone if zip_facts else None, address, known_state or None
    )
    states = windows.candidate_states(known_state or None, address)
    if zip_facts and zip_facts.state:
        states = list(dict.fromkeys([*states, zip_facts.state]))
    unknown = []
    if touch.zip and zip_facts is None:
        unknown.append(f"ZIP '{touch.zip[:10]}' unknown")
    if state and not known_state:
        unknown.append(f"state '{state[:10]}' unknown")
    window_rule = "window.federal" if solicitation else "window.policy"
    held_until: datetime | None = None
    window = windows.next_allowed_send_time(at, zones, states)
    rules_text = ", ".join(window.jurisdictions)
    where = f"zones {', '.join(window.zones)}; rules {rules_text}"
    if unknown:
        where += f"; {' and '.join(unknown)}: strictest of the candidates used"
    state_rules = [
        windows.STATE_CALLING_WINDOWS[j] for j in window.jurisdictions if j in windows.STATE_CALLING_WINDOWS
    ]
    citation = "; ".join(
        [RULES[window_rule].citation, *(f"{r.jurisdiction}: {r.source}" for r in state_rules)]
    )
    if state_rules:
        used.add("window.state")
    if window.allowed_now:
        note(window_rule, f"inside the calling window ({where})", citation=citation)
    else:
        held_until = window.send_at_utc
        blocks = "; ".join(r.removeprefix("held: ") for r in window.reasons if r.startswith("held: "))
        note(
            window_rule, f"{blocks}; opens {held_until:%Y-%m-%d %H:%M} UTC ({where})", HOLD, citation=citation
        )

    # 7. FL/OK/MD: at most 3 solicitations per 24 h, calls and texts counted together.
    if solicitation:
        past = [t.at for t in touch.touches_last_24h if t.channel in ("sms", "call")]
        allowed, detail = windows.frequency_cap_allows(past, at, states)
        if allowed:
            note("cap.state_24h", detail + " (calls and texts together)")
        else:
            opens = windows.frequency_cap_next_allowed(past, at, states)
            later = windows.next_allowed_send_time(max(opens, held_until or opens), zones, states)
            held_until = later.send_at_utc
            note(
                "cap.state_24h",
                f"{detail} (calls and texts together); then the window: {held_until:%Y-%m-%d %H:%M} UTC",
                HOLD,
            )
            return finish(HOLD, held_until, later.needs_review)

    if held_until is not None:
        return finish(HOLD, held_until, window.needs_review)
    return finish(ALLOW)


def _replace_at(touch: Touch, at: datetime) -> Touch:
    return replace(touch, at=at)


# ------------------------------------------------------------------------------------------ JSON in/out


def _parse_time(value, name: str, *, required: bool = False) -> datetime | None:
    if value is None:
        if required:
            raise TouchError(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise TouchError(f"{name} must be an ISO-8601 time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise TouchError(f"{name} is not an ISO-8601 time: {value[:40]!r}") from error
    if moment.tzinfo is None:
        raise TouchError(f"{name} must carry a time zone (UTC: end with Z)")
    return moment.astimezone(UTC)


def _parse_date(value, name: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TouchError(f"{name} must be a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value[:10])
    except ValueError as error:
        raise TouchError(f"{name} is not a date: {value[:40]!r}") from error


def _text(data: Mapping, name: str, *, required: bool = False) -> str:
    value = data.get(name)
    if value is None:
        if required:
            raise TouchError(f"{name} is required")
        return ""
    if not isinstance(value, str):
        raise TouchError(f"{name} must be a string")
    return value


def _list(data: Mapping, name: str) -> list:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise TouchError(f"{name} must be a list")
    return value


def touch_from_json(data) -> Touch:
    """The ``firstcall gate`` input; raises TouchError on anything malformed."""
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except ValueError as error:
            raise TouchError(f"not JSON: {error}") from error
    if not isinstance(data, dict):
        raise TouchError("a touch is a JSON object")
    channel = _text(data, "channel", required=True)
    kind = _text(data, "kind", required=True)
    if channel not in CHANNELS:
        raise TouchError(f"channel must be one of {', '.join(CHANNELS)}")
    if kind not in KINDS:
        raise TouchError(f"kind must be one of {', '.join(KINDS)}")
    consent = []
    for index, item in enumerate(_list(data, "consent")):
        if not isinstance(item, dict):
            raise TouchError(f"consent[{index}] must be an object")
        item_channel = _text(item, "channel", required=True)
        if item_channel not in CHANNELS:
            raise TouchError(f"consent[{index}].channel must be one of {', '.join(CHANNELS)}")
        written = item.get("written", False)
        if not isinstance(written, bool):
            raise TouchError(f"consent[{index}].written must be true or false")
        consent.append(
            ConsentRecord(
                channel=item_channel,
                address=_text(item, "address", required=True),
                given_at=_parse_time(item.get("given_at"), f"consent[{index}].given_at"),
                revoked_at=_parse_time(item.get("revoked_at"), f"consent[{index}].revoked_at"),
                written=written,
            )
        )
    past = []
    for index, item in enumerate(_list(data, "touches_last_24h")):
        if not isinstance(item, dict):
            raise TouchError(f"touches_last_24h[{index}] must be an object")
        item_channel = _text(item, "channel", required=True)
        if item_channel not in CHANNELS:
            raise TouchError(f"touches_last_24h[{index}].channel must be one of {', '.join(CHANNELS)}")
        past.append(
            PastTouch(
                item_channel, _parse_time(item.get("at"), f"touches_last_24h[{index}].at", required=True)
            )
        )
    dnc_data = data.get("dnc") or {}
    if not isinstance(dnc_data, dict):
        raise TouchError("dnc must be an object")
    for flag in ("internal", "national"):
        if not isinstance(dnc_data.get(flag, False), bool):
            raise TouchError(f"dnc.{flag} must be true or false")
    dnc = DoNotCall(
        internal=dnc_data.get("internal", False),
        national=dnc_data.get("national", False),
        ebr_until=_parse_date(dnc_data.get("ebr_until"), "dnc.ebr_until"),
        last_transaction_on=_parse_date(dnc_data.get("last_transaction_on"), "dnc.last_transaction_on"),
        last_inquiry_on=_parse_date(dnc_data.get("last_inquiry_on"), "dnc.last_inquiry_on"),
    )
    sender = None
    if "sender" in data:
        sender_data = data["sender"] or {}
        if not isinstance(sender_data, dict):
            raise TouchError("sender must be an object")
        sender = Sender(postal_address=_text(sender_data, "postal_address"))
    if not isinstance(data.get("is_response", False), bool):
        raise TouchError("is_response must be true or false")
    return Touch(
        channel=channel,
        kind=kind,
        to=_text(data, "to", required=True),
        at=_parse_time(data.get("at"), "at", required=True),
        zip=_text(data, "zip"),
        state=_text(data, "state"),
        consent=tuple(consent),
        touches_last_24h=tuple(past),
        dnc=dnc,
        sender=sender,
        is_response=data.get("is_response", False),
    )


def decide_json(data) -> dict:
    return decide(touch_from_json(data)).as_dict()


def recent(touches: Iterable[PastTouch], at: datetime) -> tuple[PastTouch, ...]:
    """The touches inside the 24 hours before ``at`` (callers may pass a longer history)."""
    start = at - timedelta(hours=24)
    return tuple(t for t in touches if start < t.at <= at)
