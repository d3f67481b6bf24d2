"""The internal do-not-contact list: import and export as CSV, on top of messaging's Suppression (one active
entry per address, organisation-wide, checked by the gate before every send).

An imported address is suppressed at once: its queued and held messages are suppressed and the open cadences
of every lead with that address stop. Consent is not touched (the borrower did not revoke it; the
organisation chose not to contact them) and a person can lift the entry later.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction

from firstcall.cadences import services
from firstcall.cadences.models import Enrolment
from firstcall.lib.emails import InvalidEmail, normalise_email
from firstcall.lib.phones import InvalidPhone, normalise_phone
from firstcall.messaging.models import Suppression

MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
CHANNEL_WORDS = {
    "sms": "sms",
    "text": "sms",
    "phone": "sms",
    "mobile": "sms",
    "email": "email",
    "e-mail": "email",
}
EXPORT_HEADER = ["channel", "address", "reason", "note", "added_at"]


@dataclass
class ImportResult:
    added: int = 0
    already_listed: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, why)
    cadences_stopped: int = 0


def _guess_channel(address: str) -> str:
    return "email" if "@" in address else "sms"


def import_csv(organisation, data: bytes, *, actor=None) -> ImportResult:
    """Rows of ``address`` (phone or email), optionally ``channel`` and ``note``; a header row is optional."""
    from firstcall.messaging import services as messaging

    result = ImportResult()
    if len(data) > MAX_IMPORT_BYTES:
        result.errors.append((0, f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB"))
        return result
    text = data.decode("utf-8-sig", errors="replace")
    rows = list(csv.reader(io.StringIO(text)))
    if rows and any(cell.strip().lower() in ("address", "phone", "email") for cell in rows[0]):
        header = [cell.strip().lower() for cell in rows[0]]
        rows, start = rows[1:], 2
    else:
        header, start = ["address", "channel", "note"], 1
    column = {name: header.index(name) for name in ("address", "channel", "note") if name in header}
    if "address" not in column:
        column["address"] = header.index("phone") if "phone" in header else header.index("email")
    if len(rows) > MAX_IMPORT_ROWS:
        result.errors.append((0, f"more than {MAX_IMPORT_ROWS} rows; split the file"))
        return result
    with transaction.atomic():
        for number, row in enumerate(rows, start=start):
            if not any(cell.strip() for cell in row):
                continue
            raw = row[column["address"]].strip() if len(row) > column["address"] else ""
            channel_word = (
                row[column["channel"]].strip().lower()
                if "channel" in column and len(row) > column["channel"]
                else ""
            )
            note = row[column["note"]].strip()[:300] if "note" in column and len(row) > column["note"] else ""
            channel = CHANNEL_WORDS.get(channel_word) or (_guess_channel(raw) if not channel_word else None)
            if channel is None:
                result.errors.append((number, f"unknown channel {channel_word[:20]!r} (use sms or email)"))
                continue
            try:
                address = normalise_phone(raw) if channel == "sms" else normalise_email(raw)
            except (InvalidPhone, InvalidEmail):
                result.errors.append(
                    (number, f"not a valid {'email address' if channel == 'email' else 'phone number'}")
                )
                continue
            _entry, created = messaging.add_suppression(
                organisation,
                channel,
                address,
                reason=Suppression.Reason.DNC_IMPORT,
                note=note or "CSV import",
                actor=actor,
            )
            if not created:
                result.already_listed += 1
                continue
            result.added += 1
            messaging.suppress_pending_messages(
                organisation, channel, address, reason="added to the do-not-contact list"
            )
            for lead in messaging.leads_with_address(organisation, channel, address):
                result.cadences_stopped += services.stop_lead_enrolments(
                    lead,
                    reason=Enrolment.StopReason.DO_NOT_CONTACT,
                    detail="address added to the do-not-contact list",
                    actor=actor,
                )
    return result


def _cell(value: str) -> str:
    """Spreadsheet programs run cells that start with = + - @ as formulas (CSV injection)."""
    text = str(value or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_phone(text) else text


def _is_phone(text: str) -> bool:
    return text.startswith("+") and text[1:].isdigit()


def export_rows(organisation) -> Iterator[list[str]]:
    yield EXPORT_HEADER
    entries = Suppression.objects.filter(organisation=organisation, lifted_at__isnull=True).order_by(
        "channel", "address"
    )
    for entry in entries.iterator():
        yield [
            entry.channel,
            _cell(entry.address),
            entry.reason,
            _cell(entry.note),
            entry.created_at.isoformat(),
        ]


def active_count(organisation) -> int:
    return Suppression.objects.filter(organisation=organisation, lifted_at__isnull=True).count()
