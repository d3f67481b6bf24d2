"""CSV import: upload (once per file and source), mapping, the background import, retries, the error report.

Every row goes through capture() as its own IntakeRecord (channel csv) whose body is the row as JSON with its
row number and import id, so a row is never lost and can be replayed. Rows are processed one transaction each,
and a CsvImportRow per row makes the import resumable and safe to run twice.
"""

import json
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from firstcall.accounts.services import record_audit
from firstcall.flows.lead_arrives import lead_arrives
from firstcall.intake.adapters import IntakeParseError
from firstcall.intake.csv_import.adapter import read_row_body, submission_from_row
from firstcall.intake.csv_import.mapping import check_mapping, suggest_mapping
from firstcall.intake.csv_import.parsing import (
    CsvUnreadable,
    blank_rows,
    file_sha256,
    iter_rows,
    parse_upload,
)
from firstcall.intake.models import CsvImport, CsvImportRow
from firstcall.intake.services import replay_intake, replay_refusal
from firstcall.leads import services as lead_services
from firstcall.leads.models import Channel, IntakeRecord, LeadSource
from firstcall.lib.redaction import DOB, kind_for_name, parse_birth_date, redact_csv

logger = logging.getLogger(__name__)

DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
# A running import touches heartbeat_at after every row; one silent this long has lost its worker.
STALE_AFTER = timedelta(minutes=5)
Outcome = CsvImportRow.Outcome


def max_file_bytes() -> int:
    return int(getattr(settings, "CSV_IMPORT_MAX_BYTES", DEFAULT_MAX_FILE_BYTES))


def read_uploaded_file(uploaded) -> bytes:
    """The upload's bytes, refusing more than the limit without reading all of a huge file."""
    limit = max_file_bytes()
    too_big = CsvUnreadable(
        f"The file is larger than {limit // (1024 * 1024)} MB. Split it and upload the parts."
    )
    if uploaded.size is not None and uploaded.size > limit:
        raise too_big
    chunks, total = [], 0
    for chunk in uploaded.chunks():
        total += len(chunk)
        if total > limit:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def upload_csv(source: LeadSource, *, uploaded_by, file_name: str, raw: bytes) -> tuple[CsvImport, bool]:
    """Store the file and suggest a mapping. Returns (import, is_new): the same bytes uploaded again to the
    same source give back the earlier import, and nothing is imported twice. Raises CsvUnreadable."""
    sha256 = file_sha256(raw)
    earlier = CsvImport.objects.filter(source=source, sha256=sha256).defer("content").first()
    if earlier is not None:
        return earlier, False
    parsed = parse_upload(raw)
    previous_mapping = (
        CsvImport.objects.filter(source=source, mapping_version__gt=0)
        .values_list("mapping", flat=True)
        .first()
    )
    try:
        with transaction.atomic():
            csv_import = CsvImport.objects.create(
                organisation=source.organisation,
                source=source,
                uploaded_by=uploaded_by,
                file_name=(file_name or "upload.csv")[:255],
                sha256=sha256,
                # Redaction at the door: the kept file holds no SSN, account, card or birth date in clear.
                content=redact_csv(parsed.text, parsed.delimiter).text,
                birth_dates=birth_dates_by_row(parsed.text, parsed.delimiter, parsed.headers) or None,
                size_bytes=len(raw),
                delimiter=parsed.delimiter,
                headers=parsed.headers,
                mapping=suggest_mapping(parsed.headers, previous_mapping),
                rows_total=parsed.rows_total,
            )
            record_audit(
                source.organisation,
                "csv_import.uploaded",
                actor=uploaded_by,
                detail={"import": csv_import.pk, "source": source.pk, "rows": parsed.rows_total},
            )
    except IntegrityError:
        # The same file uploaded twice at once (a double click): the first one wins, the second is shown it.
        return CsvImport.objects.get(source=source, sha256=sha256), False
    return csv_import, True


def birth_dates_by_row(text: str, delimiter: str, headers: list[str]) -> dict[str, str]:
    """{"<row number>": ISO date} from the columns named like a date of birth (DOB, Date of Birth,
    birth_date...), read before the file is redacted: the one sensitive value a lead keeps (encrypted)."""
    columns = [header for header in headers if kind_for_name(header) == DOB]
    found: dict[str, str] = {}
    if not columns:
        return found
    for row_number, values in iter_rows(text, delimiter, headers):
        birth_date = next(
            (iso for column in columns if (iso := parse_birth_date(values.get(column, "")))), ""
        )
        if birth_date:
            found[str(row_number)] = birth_date
    return found


def forget_rows_of_records(intake_record_ids: list[int]) -> int:
    """Empty the kept spreadsheet rows that carried these intake records, and drop their birth dates: an erased
    borrower leaves nothing in a kept file (GLBA Safeguards Rule 16 CFR 314.4(c)(6), secure disposal). The row's
    outcome stays, without data, so a replay never imports it again. Returns the number of rows emptied."""
    rows_by_import: dict[int, set[int]] = {}
    for import_id, row_number in CsvImportRow.objects.filter(
        intake_record_id__in=intake_record_ids
    ).values_list("csv_import_id", "row_number"):
        rows_by_import.setdefault(import_id, set()).add(row_number)
    for csv_import in CsvImport.objects.select_for_update().filter(pk__in=rows_by_import):
        row_numbers = rows_by_import[csv_import.pk]
        csv_import.content = blank_rows(csv_import.content, csv_import.delimiter, row_numbers)
        births = {
            row: iso for row, iso in (csv_import.birth_dates or {}).items() if int(row) not in row_numbers
        }
        csv_import.birth_dates = births or None
        csv_import.save(update_fields=["content", "birth_dates"])
    return sum(len(rows) for rows in rows_by_import.values())


def preview_rows(csv_import: CsvImport, count: int = 5) -> list[tuple[int, dict[str, str]]]:
    """The first rows, each with its row number as the spreadsheet shows it."""
    rows = []
    for row_number, values in iter_rows(csv_import.content, csv_import.delimiter, csv_import.headers):
        rows.append((row_number, values))
        if len(rows) >= count:
            break
    return rows


def confirm_mapping(
    csv_import: CsvImport, mapping: dict[str, str], *, actor, enqueue: Callable[[int], object]
) -> list[str]:
    """Save the mapping and queue the import with `enqueue(import_id)` (on commit; the caller passes the task's
    enqueue, tasks.run_csv_import.enqueue). A finished import with rejected rows may be given a fixed mapping:
    those rows, and only those, are then tried again. Returns problems, empty when queued."""
    problems = check_mapping(mapping, csv_import.headers)
    if problems:
        return problems
    with transaction.atomic():
        locked = CsvImport.objects.select_for_update().get(pk=csv_import.pk)
        if locked.status in (CsvImport.Status.QUEUED, CsvImport.Status.RUNNING):
            return ["This import is running; wait until it finishes before changing the mapping."]
        is_fix = locked.mapping_version > 0
        locked.mapping = mapping
        locked.mapping_version += 1
        locked.status = CsvImport.Status.QUEUED
        locked.finished_at = None
        locked.failure_reason = ""
        locked.heartbeat_at = timezone.now()
        locked.save(
            update_fields=[
                "mapping",
                "mapping_version",
                "status",
                "finished_at",
                "failure_reason",
                "heartbeat_at",
            ]
        )
        record_audit(
            locked.organisation,
            "csv_import.mapping_fixed" if is_fix else "csv_import.started",
            actor=actor,
            detail={"import": locked.pk, "mapping_version": locked.mapping_version},
        )
        transaction.on_commit(partial(enqueue, locked.pk))
    csv_import.refresh_from_db()
    return []


def run_import(import_id: int) -> str:
    """Claim the import, process every row not yet done (and rows rejected under an older mapping), finish it.

    Safe to run twice or late: only one worker holds the claim, and each row is recorded once."""
    now = timezone.now()
    claimable = Q(status=CsvImport.Status.QUEUED) | Q(
        Q(heartbeat_at__lt=now - STALE_AFTER) | Q(heartbeat_at__isnull=True), status=CsvImport.Status.RUNNING
    )
    claimed = CsvImport.objects.filter(claimable, pk=import_id).update(
        status=CsvImport.Status.RUNNING, heartbeat_at=now, started_at=Coalesce("started_at", Value(now))
    )
    if not claimed:
        return "not claimed"
    csv_import = CsvImport.objects.select_related("source__organisation", "uploaded_by").get(pk=import_id)
    try:
        _process_rows(csv_import)
    except Exception as error:  # an infrastructure failure: keep what is done, let an admin resume
        logger.error("CSV import %s stopped: %s", import_id, type(error).__name__)
        CsvImport.objects.filter(pk=import_id).update(
            status=CsvImport.Status.FAILED,
            finished_at=timezone.now(),
            failure_reason=f"The import stopped ({type(error).__name__}); rows already done are kept. "
            "Confirm the mapping again to resume.",
        )
        return "failed"
    CsvImport.objects.filter(pk=import_id, status=CsvImport.Status.RUNNING).update(
        status=CsvImport.Status.FINISHED, finished_at=timezone.now(), heartbeat_at=timezone.now()
    )
    return "finished"


def _process_rows(csv_import: CsvImport) -> None:
    done = {
        row_number: (outcome, version)
        for row_number, outcome, version in CsvImportRow.objects.filter(csv_import=csv_import).values_list(
            "row_number", "outcome", "mapping_version"
        )
    }
    for row_number, values in iter_rows(csv_import.content, csv_import.delimiter, csv_import.headers):
        previous = done.get(row_number)
        if previous is None:
            _import_row(csv_import, row_number, values)
        elif previous[0] == Outcome.REJECTED and previous[1] < csv_import.mapping_version:
            try:
                _retry_row(csv_import, row_number)
            except (
                Exception
            ) as error:  # the row stays rejected (and is tried again on the next fix or resume)
                logger.error(
                    "CSV import %s row %s retry failed: %s", csv_import.pk, row_number, type(error).__name__
                )


def _row_body(csv_import: CsvImport, row_number: int, values: dict) -> str:
    return json.dumps(
        {"import_id": csv_import.pk, "row_number": row_number, "row": values}, ensure_ascii=False
    )


def _new_record(csv_import: CsvImport, row_number: int, body: str, **extra) -> IntakeRecord:
    birth_date = (csv_import.birth_dates or {}).get(str(row_number))
    if birth_date:
        # Kept encrypted on the record, as a vendor post's is, so capture (and a replay) give it to the lead.
        extra["sensitive_values"] = {"date_of_birth": birth_date}
    return IntakeRecord.objects.create(
        organisation=csv_import.organisation,
        source=csv_import.source,
        channel=Channel.CSV,
        method="IMPORT",
        path=f"CSV import #{csv_import.pk}, row {row_number}",
        content_type="application/json",
        headers={"x-csv-import": str(csv_import.pk), "x-csv-row": str(row_number)},
        body=body,
        body_size=len(body.encode()),
        **extra,
    )


def _import_row(csv_import: CsvImport, row_number: int, values: dict) -> None:
    body = _row_body(csv_import, row_number, values)
    try:
        with transaction.atomic():
            record = _new_record(csv_import, row_number, body)
            # The same parse the adapter does for a replay, without reading the import back for every row.
            submission = submission_from_row(values, csv_import.mapping)
            result = lead_arrives(
                submission,
                organisation=csv_import.organisation,
                intake_record=record,
                source=csv_import.source,
                actor=csv_import.uploaded_by,
            )
            outcome = outcome_of(result)
            CsvImportRow.objects.create(
                csv_import=csv_import,
                row_number=row_number,
                intake_record=record,
                outcome=outcome,
                mapping_version=csv_import.mapping_version,
            )
            _count(csv_import, outcome, is_new_row=True)
    except IntegrityError:
        if CsvImportRow.objects.filter(csv_import=csv_import, row_number=row_number).exists():
            return  # another worker took over and did this row: nothing to do
        _keep_failed_row(csv_import, row_number, body, "IntegrityError")
    except Exception as error:  # a bug must neither lose the row nor stop the other rows
        logger.error("CSV import %s row %s failed: %s", csv_import.pk, row_number, type(error).__name__)
        _keep_failed_row(csv_import, row_number, body, type(error).__name__)


def _keep_failed_row(csv_import: CsvImport, row_number: int, body: str, error_name: str) -> None:
    with transaction.atomic():
        record = _new_record(
            csv_import,
            row_number,
            body,
            status=IntakeRecord.Status.REJECTED,
            processed_at=timezone.now(),
            reasons=[f"The import failed on this row ({error_name}); replay it after the fix"],
        )
        CsvImportRow.objects.create(
            csv_import=csv_import,
            row_number=row_number,
            intake_record=record,
            outcome=Outcome.REJECTED,
            mapping_version=csv_import.mapping_version,
        )
        _count(csv_import, Outcome.REJECTED, is_new_row=True)


def _retry_row(csv_import: CsvImport, row_number: int) -> None:
    """Replay a row rejected under an older mapping via the intake replay (which reads the fixed mapping)."""
    with transaction.atomic():
        row = (
            CsvImportRow.objects.select_for_update(of=("self",))
            .select_related("intake_record")
            .filter(csv_import=csv_import, row_number=row_number)
            .first()
        )
        if (
            row is None
            or row.outcome != Outcome.REJECTED
            or row.mapping_version >= csv_import.mapping_version
        ):
            return
        row.mapping_version = csv_import.mapping_version
        row.processed_at = timezone.now()
        record = row.intake_record
        if record is None or replay_refusal(record):
            row.save(update_fields=["mapping_version", "processed_at"])
            return
        result = replay_intake(record)
        row.outcome = outcome_of(result)
        row.save(update_fields=["outcome", "mapping_version", "processed_at"])
        if row.outcome != Outcome.REJECTED:
            _count(csv_import, row.outcome, replaces=Outcome.REJECTED)


def outcome_of(result: lead_services.CaptureResult) -> str:
    if not result.is_accepted:
        return Outcome.REJECTED
    if result.is_replay:
        return Outcome.DUPLICATE
    return Outcome.CREATED if result.outcome == lead_services.CREATED else Outcome.MERGED


def _count(
    csv_import: CsvImport, outcome: str, *, is_new_row: bool = False, replaces: str | None = None
) -> None:
    changes = {"heartbeat_at": timezone.now(), f"{outcome}_count": F(f"{outcome}_count") + 1}
    if is_new_row:
        changes["rows_done"] = F("rows_done") + 1
    if replaces:
        changes[f"{replaces}_count"] = F(f"{replaces}_count") - 1
    CsvImport.objects.filter(pk=csv_import.pk).update(**changes)


def sweep_stalled_imports(enqueue: Callable[[int], object]) -> int:
    """Re-enqueue imports whose task was lost (queued or running, silent for STALE_AFTER) with
    `enqueue(import_id)`. The claim in run_import makes a second copy of the task harmless."""
    stale_before = timezone.now() - STALE_AFTER
    stalled = list(
        CsvImport.objects.filter(
            Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True),
            status__in=[CsvImport.Status.QUEUED, CsvImport.Status.RUNNING],
        ).values_list("pk", flat=True)[:100]
    )
    for import_id in stalled:
        CsvImport.objects.filter(pk=import_id, status=CsvImport.Status.QUEUED).update(
            heartbeat_at=timezone.now()
        )
        enqueue(import_id)
    return len(stalled)


# --- Error report ---------------------------------------------------------------------------------------

# A cell starting with one of these is run as a formula by spreadsheet programs ("CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def error_report_rows(csv_import: CsvImport) -> Iterator[list[str]]:
    """The header, then one line per problem: row number, field (the column it came from), message, and the
    row's original values, so the uploader can fix the file and upload the fixed rows."""
    headers = list(csv_import.headers)
    column_of_field = {target: column for column, target in csv_import.mapping.items()}
    column_of_field.setdefault(
        "first_name", column_of_field.get("full_name", column_of_field.get("last_name"))
    )
    yield ["row_number", "field", "message", *[spreadsheet_safe(header) for header in headers]]
    rejected = (
        CsvImportRow.objects.filter(csv_import=csv_import, outcome=Outcome.REJECTED)
        .select_related("intake_record")
        .order_by("row_number")
    )
    for row in rejected.iterator(chunk_size=500):
        record = row.intake_record
        values: dict[str, str] = {}
        if record is not None:
            try:
                _, _, values = read_row_body(record)
            except IntakeParseError:
                values = {}
        originals = [spreadsheet_safe(values.get(header, "")) for header in headers]
        problems = []
        if record is not None:
            for field_name, messages in (record.field_errors or {}).items():
                column = column_of_field.get(field_name) or field_name
                problems.extend((column, message) for message in messages)
            if not problems:
                problems = [("", "; ".join(record.reasons) or "Rejected")]
        else:
            problems = [("", "The intake record of this row was deleted")]
        for column, message in problems:
            yield [str(row.row_number), spreadsheet_safe(column), spreadsheet_safe(message), *originals]
