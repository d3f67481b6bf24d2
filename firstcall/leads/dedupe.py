"""Which existing lead a new submission belongs to, and when only a person can tell.

Merging two borrowers by mistake is worse than keeping a duplicate: one consent record would then cover
several people's phones, and a text meant for one reaches another (TCPA consent is per called number,
47 U.S.C. 227(b)(1); see docs/REFERENCE.md). So a submission is merged automatically only on an identity the
borrower proved by giving it: the same email address, the same mobile number, or the vendor's own lead id. A
match on name and ZIP code, or on name and a similar email address, creates a new lead and links the two as a
*possible duplicate* for a person to merge or keep separate (the review queue, leads/duplicates.py).
"""

import re
from dataclasses import dataclass

from firstcall.accounts.models import Organisation
from firstcall.leads.models import Lead, Stage
from firstcall.leads.submission import NormalisedLead

SAME_EMAIL = "same email address"
SAME_PHONE = "same mobile number"
SAME_VENDOR_LEAD_ID = "same vendor lead id"
SAME_NAME_AND_ZIP = "same name and ZIP code"
SAME_NAME_SIMILAR_EMAIL = "same name and a similar email address"


@dataclass
class Match:
    lead: Lead
    reason: str


def find_match(organisation: Organisation, lead: NormalisedLead, source=None) -> Match | None:
    """Indexed lookups on verified identities only: email, mobile number, the vendor's lead id (from the same
    source: two vendors' ids say nothing about each other; the same id again is usually caught earlier, as a
    repeat delivery, by the idempotency key).

    Among leads that match, an open one wins over a closed one, and the most recent wins among equals. The
    lookups read two columns only; the full lead is loaded once, for the match that wins."""
    candidates = []
    if lead.email:
        candidates.append((SAME_EMAIL, {"email": lead.email}))
    if lead.phone:
        candidates.append((SAME_PHONE, {"phone": lead.phone}))
    if lead.external_id and source is not None:
        candidates.append((SAME_VENDOR_LEAD_ID, {"vendor_lead_id": lead.external_id, "source": source}))
    closed_match = None
    for reason, lookup in candidates:
        found = list(
            Lead.objects.filter(organisation=organisation, **lookup)
            .order_by("-created_at", "-id")
            .values_list("pk", "stage__outcome")[:5]
        )
        for pk, outcome in found:
            if outcome == Stage.Outcome.OPEN:
                return Match(Lead.objects.select_related("stage").get(pk=pk), reason)
        if found and closed_match is None:
            closed_match = (found[0][0], reason)
    if closed_match is None:
        return None
    return Match(Lead.objects.select_related("stage").get(pk=closed_match[0]), closed_match[1])


def find_possible_duplicate(
    organisation: Organisation, lead: NormalisedLead, *, exclude_pk=None
) -> Match | None:
    """A lead that may be the same person, with nothing verified in common: same name and ZIP code, or same
    name and an email address that differs only in punctuation, a +tag or a typo.

    The lookups read the id and the email only (on the organisation+name+ZIP index); the lead that wins is
    loaded once, so the usual case (nobody alike) reads no full lead at all."""
    if not lead.name_key:
        return None
    same_name = Lead.objects.filter(organisation=organisation, name_key=lead.name_key).exclude(pk=exclude_pk)
    if lead.zip_code:
        found = same_name.filter(zip_code=lead.zip_code).order_by("-created_at", "-id").values_list("pk")[:1]
        if found:
            return Match(Lead.objects.get(pk=found[0][0]), SAME_NAME_AND_ZIP)
    if lead.email:
        recent = same_name.exclude(email="").order_by("-created_at", "-id").values_list("pk", "email")[:20]
        for pk, email in recent:
            if emails_look_alike(email, lead.email):
                return Match(Lead.objects.get(pk=pk), SAME_NAME_SIMILAR_EMAIL)
    return None


def _email_core(address: str) -> tuple[str, str]:
    local, _, domain = address.lower().partition("@")
    local = local.split("+", 1)[0]
    return re.sub(r"[._-]", "", local), domain


def emails_look_alike(first: str, second: str) -> bool:
    """ana.lopez@gmail.com ~ analopez+homes@gmail.com ~ ana_lopez@yahoo.com ~ ana.lopze@gmail.com."""
    if not first or not second or first.lower() == second.lower():
        return False
    (local_a, domain_a), (local_b, domain_b) = _email_core(first), _email_core(second)
    if local_a == local_b:
        return True
    return domain_a == domain_b and len(local_a) >= 5 and _edit_distance(local_a, local_b) <= 2


def _edit_distance(first: str, second: str) -> int:
    previous = list(range(len(second) + 1))
    for index_a, char_a in enumerate(first, start=1):
        current = [index_a]
        for index_b, char_b in enumerate(second, start=1):
            current.append(
                min(previous[index_b] + 1, current[-1] + 1, previous[index_b - 1] + (char_a != char_b))
            )
        previous = current
    return previous[-1]
