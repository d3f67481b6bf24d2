"""Messaging compliance: inbound keyword classification here; calling windows, time zones and frequency caps
live in the pure decision engine (``firstcall.compliance.engine.windows``) and are re-exported for callers.

Not legal advice; have counsel review it.
"""

from __future__ import annotations

from dataclasses import dataclass

from firstcall.compliance.engine import optout
from firstcall.compliance.engine.windows import (  # noqa: F401  (re-exported)
    ALL_DAYS,
    FEDERAL_CALLING_WINDOW,
    SATURDAY,
    STATE_CALLING_WINDOWS,
    STATE_TIME_ZONES,
    SUNDAY,
    UNKNOWN_LOCATION_ZONES,
    WEEKDAY_NAMES,
    CallingWindow,
    SendWindowDecision,
    applicable_windows,
    candidate_states,
    candidate_time_zones,
    frequency_cap_allows,
    frequency_cap_next_allowed,
    next_allowed_send_time,
    phone_state,
    phone_time_zones,
)

# ------------------------------------------------------------------------------------ inbound keywords


@dataclass(frozen=True)
class KeywordResult:
    kind: str  # 'opt_out' | 'opt_in' | 'help' | 'possible_opt_out' | 'none'
    matched: str  # the canonical keyword (e.g. "OPT OUT") or the phrase that matched; "" for none
    needs_review: bool = False
    language: str = "en"


def classify_inbound_keywords(text: str) -> KeywordResult:
    """Classify an inbound SMS with the compliance engine's revocation reader (English and Spanish, keywords and
    free text, FCC 24-24): ``opt_out`` revokes at once (``needs_review`` when it was worded loosely and a person
    should confirm afterwards), ``possible_opt_out`` is unclear (sending stops while a person decides),
    ``help`` / ``opt_in`` / ``none`` as before."""
    result = optout.check(text)
    if result.revokes:
        return KeywordResult("opt_out", result.matched, result.needs_review, result.language)
    return KeywordResult(result.kind, result.matched, result.needs_review, result.language)
