"""National Do Not Call Registry files for the lender's area codes: import, scrub, and re-scrub every 31 days.

The registry (telemarketing.donotcall.gov) lets a seller with a subscription account number (SAN) download the
numbers in the area codes it pays for, as a full list or as a change list since an earlier download. FirstCall
reads the text file an administrator downloads and uploads. Accepted lines (see docs/compliance.md):

    8135550142            ten digits
    813,5550142           area code, comma, seven digits
    813-555-0142          any punctuation between the digits
    +18135550142          E.164
    813,5550142,A         change list: A (or "add") adds, D (or "delete") removes

Blank lines and lines without ten digits (headers) are skipped and counted. A full list replaces every number
the organisation holds in the file's area codes; a change list adds and removes.

Rules: scrub at least every 31 days (16 CFR 310.4(b)(3)(iv)); REFERENCE §4.2. The gate reads the list at every
call and marketing text, so "scrubbing" here records when the organisation's leads were last checked against a
fresh list and how many are on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from firstcall.compliance.models import ComplianceProfile, NationalDncImport, NationalDncNumber
from firstcall.leads.models import Lead

SCRUB_INTERVAL = timedelta(days=31)
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_REJECTED_KEPT = 100
_DIGITS = re.compile(r"\d")
_ACTION = re.compile(r"[,;\t|\s]\s*(a|add|d|del|delete)\s*$", re.I)


class DncFileError(ValueError):
    pass


@dataclass
class ParsedFile:
    additions: set[str] = field(default_factory=set)
    deletions: set[str] = field(default_factory=set)
    rejected: list[tuple[int, str]] = field(default_factory=list)
    rejected_count: int = 0


def _number(text: str) -> str | None:
    digits = "".join(_DIGITS.findall(text))
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01":
        return None
    return f"+1{digits}"


def parse(data: bytes) -> ParsedFile:
    if len(data) > MAX_FILE_BYTES:
        raise DncFileError("the file is larger than 200 MB; upload one area code at a time")
    parsed = ParsedFile()
    for line_number, raw in enumerate(data.decode("utf-8-sig", errors="replace").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        action = "a"
        match = _ACTION.search(line)
        if match:
            action = match.group(1)[0].lower()
            line = line[: match.start()]
        number = _number(line)
        if number is None:
            parsed.rejected_count += 1
            if len(parsed.rejected) < MAX_REJECTED_KEPT:
                parsed.rejected.append((line_number, "not a ten-digit US number"))
            continue
        (parsed.deletions if action == "d" else parsed.additions).add(number)
    return parsed


@transaction.atomic
def import_file(
    organisation, data: bytes, *, file_name: str = "", is_full: bool = True, actor=None
) -> NationalDncImport:
    """Load one registry file, then scrub the organisation's leads against the list."""
    parsed = parse(data)
    if not parsed.additions and not parsed.deletions:
        raise DncFileError("no phone numbers found: is this the registry's download file?")
    area_codes = sorted({number[2:5] for number in parsed.additions | parsed.deletions})
    record = NationalDncImport.objects.create(
        organisation=organisation,
        file_name=file_name[:255],
        area_codes=area_codes,
        is_full=is_full,
        rejected_lines=parsed.rejected,
        imported_by=actor if getattr(actor, "pk", None) else None,
    )
    existing = NationalDncNumber.objects.filter(organisation=organisation)
    removed = 0
    if is_full:
        stale = existing.filter(area_code__in=area_codes).exclude(phone__in=parsed.additions)
        removed = stale.count()
        stale.delete()
    if parsed.deletions:
        gone = existing.filter(phone__in=parsed.deletions)
        removed += gone.count()
        gone.delete()
    have = set(existing.filter(phone__in=parsed.additions).values_list("phone", flat=True))
    new = [
        NationalDncNumber(organisation=organisation, phone=number, area_code=number[2:5], source=record)
        for number in sorted(parsed.additions - have - parsed.deletions)
    ]
    NationalDncNumber.objects.bulk_create(new, batch_size=5000)
    record.numbers_added = len(new)
    record.numbers_removed = removed
    record.leads_flagged = scrub(organisation)
    record.save(update_fields=["numbers_added", "numbers_removed", "leads_flagged"])
    return record


def leads_on_list(organisation):
    listed = NationalDncNumber.objects.filter(organisation=organisation).values("phone")
    return Lead.objects.filter(organisation=organisation, phone__in=listed)


def scrub(organisation) -> int:
    """Check every lead against the list now; returns how many are on it."""
    count = leads_on_list(organisation).count()
    ComplianceProfile.objects.update_or_create(
        organisation=organisation, defaults={"national_dnc_scrubbed_at": timezone.now()}
    )
    return count


def last_import(organisation) -> NationalDncImport | None:
    return NationalDncImport.objects.filter(organisation=organisation).first()


def list_is_stale(organisation, now=None) -> bool:
    """The registry must be checked at least every 31 days: a list older than that needs a fresh download."""
    latest = last_import(organisation)
    return latest is not None and (now or timezone.now()) - latest.imported_at > SCRUB_INTERVAL


def sweep_national_dnc_scrubs(now=None) -> int:
    """Worker sweep: re-scrub every organisation whose last scrub is 31 days old or more."""
    now = now or timezone.now()
    due = ComplianceProfile.objects.filter(national_dnc_scrubbed_at__lte=now - SCRUB_INTERVAL).select_related(
        "organisation"
    )
    done = 0
    for profile in due:
        claimed = ComplianceProfile.objects.filter(
            pk=profile.pk, national_dnc_scrubbed_at=profile.national_dnc_scrubbed_at
        ).update(national_dnc_scrubbed_at=now)
        if claimed:
            scrub(profile.organisation)
            done += 1
    return done
