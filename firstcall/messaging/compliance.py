"""Messaging compliance: inbound keyword classification here; calling windows, time zones and frequency caps
live in the pure decision engine (``firstcall.compliance.engine.windows``) and are re-exported for callers.

Not legal advice; have counsel review it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

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

# Whole-message keywords. Opt-out words per FCC 24-24 (per-se valid: stop, quit, end, revoke, opt out, cancel,
# unsubscribe; REFERENCE §4.1) and CTIA (STOP, END, CANCEL, UNSUBSCRIBE, QUIT, many also STOPALL, REMOVE;
# HELP/INFO; re-opt-in START/YES/UNSTOP; REFERENCE §4.4).
OPT_OUT_KEYWORDS = {
    "stop": "STOP",
    "stopall": "STOPALL",
    "stop all": "STOPALL",
    "end": "END",
    "cancel": "CANCEL",
    "unsubscribe": "UNSUBSCRIBE",
    "quit": "QUIT",
    "revoke": "REVOKE",
    "opt out": "OPT OUT",
    "optout": "OPT OUT",
    "remove": "REMOVE",
}
HELP_KEYWORDS = {"help": "HELP", "info": "INFO"}
# YES only re-subscribes a number that is opted out; for anyone else it is an ordinary reply.
OPT_IN_KEYWORDS = {"start": "START", "unstop": "UNSTOP", "yes": "YES"}

# Politeness around a keyword does not change it: "Stop please" is STOP.
_FILLER_WORDS = frozenset({"please", "pls", "plz", "thanks", "thank", "you", "thx", "ty", "now"})
_NEGATIONS = frozenset(
    {"don't", "dont", "not", "never", "didn't", "didnt", "won't", "wont", "can't", "cant", "why"}
)
_NEGATION_LOOKBEHIND = 3

_CONTACT_NOUN = r"(?:texts?|txts?|messages?|msgs?|sms|calls?|emails?|e-mails?|spam)"
_CONTACT_VERB = r"(?:text|txt|message|msg|contact|call|email|e-mail|sms)"
_CONTACT_GERUND = r"(?:texting|txting|messaging|contacting|calling|emailing|bothering|spamming)"

# Free-text revocations (FCC 24-24: "any reasonable means"). Matched on normalised words; these only *flag* a
# possible opt-out for a person to confirm (and the caller suppresses sends meanwhile).
_AFFIRMATIVE_REVOCATIONS = tuple(
    re.compile(pattern)
    for pattern in (
        rf"\b(?:stop|quit|cease) {_CONTACT_GERUND}\b(?: (?:me|us))?",
        rf"\b(?:stop|quit|cease) sending (?:me|us|these|those|them|{_CONTACT_NOUN})\b",
        rf"\b(?:stop|quit) (?:the |these |those |your |all )?{_CONTACT_NOUN}\b",
        r"\btake (?:me|us|my number|my name|my info) off\b(?: (?:your|the|this|ur) (?:\w+ )?list)?",
        r"\bremove (?:me|us|my number|my phone|my name|my info|my information)\b",
        r"\b(?:unsubscribe|opt) me\b(?: out)?",
        r"\bno more " + _CONTACT_NOUN + r"\b",
        r"\b(?:delete|lose) my (?:number|info|information|contact)\b",
        r"\bleave me alone\b",
        r"\bwrong number\b",
    )
)
# "Don't text me" is a revocation built from a negation, so it is matched separately from the guarded ones.
_NEGATIVE_REVOCATIONS = (
    re.compile(rf"\b(?:don't|dont|do not|never) (?:ever )?{_CONTACT_VERB}(?: me| us| again|$)(?: again)?"),
)


@dataclass(frozen=True)
class KeywordResult:
    kind: str  # 'opt_out' | 'opt_in' | 'help' | 'possible_opt_out' | 'none'
    matched: str  # the canonical keyword (e.g. "OPT OUT") or the phrase that matched; "" for none


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return text


def _words(fragment: str) -> list[str]:
    words = re.findall(r"[a-z0-9']+", fragment.replace("-", " ").replace("_", " "))
    return [w.strip("'") for w in words if w.strip("'")]


def _keyword_in(words: list[str]) -> tuple[str, str] | None:
    """(kind, canonical keyword) when the words, minus politeness and repeats, are exactly one keyword."""
    meaningful = [w for w in words if w not in _FILLER_WORDS]
    if not meaningful:
        return None
    if len(set(meaningful)) == 1:
        meaningful = meaningful[:1]  # "STOP STOP STOP"
    phrase = " ".join(meaningful)
    for kind, table in (("opt_out", OPT_OUT_KEYWORDS), ("help", HELP_KEYWORDS), ("opt_in", OPT_IN_KEYWORDS)):
        if phrase in table:
            return kind, table[phrase]
    return None


def _negated(words_before: list[str]) -> bool:
    window = words_before[-_NEGATION_LOOKBEHIND:]
    return any(word in _NEGATIONS for word in window)


def _revocation_in(clause: str) -> str | None:
    joined = " ".join(_words(clause))
    for pattern in _NEGATIVE_REVOCATIONS:
        match = pattern.search(joined)
        if match:
            return match.group(0)
    for pattern in _AFFIRMATIVE_REVOCATIONS:
        for match in pattern.finditer(joined):
            if not _negated(joined[: match.start()].split()):
                return match.group(0)
    return None


def classify_inbound_keywords(text: str) -> KeywordResult:
    """Classify an inbound SMS. A message that is only a keyword (any case, punctuation, spacing, repeats or
    "please"/"thanks" around it) is a definite opt_out / help / opt_in. An opt-out word standing alone in one
    sentence of a longer message ("Not interested. STOP") or a free-text revocation ("please stop texting me",
    "take me off your list", "don't text me", "remove me") is possible_opt_out: suppress and ask a person.
    Negated or unrelated uses ("don't stop, I'm interested", "stop by the office") are none."""
    normalised = _normalise(text)
    whole = _keyword_in(_words(normalised))
    if whole:
        return KeywordResult(*whole)
    clauses = [c for c in re.split(r"[.!?;,:\n\r()\"]+|\s-\s", normalised) if c.strip()]
    for clause in clauses:
        found = _keyword_in(_words(clause))
        if found and found[0] == "opt_out":
            return KeywordResult("possible_opt_out", found[1])
    for clause in clauses:
        phrase = _revocation_in(clause)
        if phrase:
            return KeywordResult("possible_opt_out", phrase)
    return KeywordResult("none", "")
