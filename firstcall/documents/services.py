"""The only code that changes documents: upload, read (in the worker), password, review.

Nothing here logs a document's content, a name, an SSN or an account number; the audit log records ids,
sizes and types.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from firstcall.accounts.services import record_audit
from firstcall.documents import conf, storage
from firstcall.documents.engine import DocumentError, Limits, PasswordRequired, read_file
from firstcall.documents.engine.layout import parse_date
from firstcall.documents.engine.sniff import sniff
from firstcall.documents.models import Document, ExtractedField, FieldReview
from firstcall.events.outbox import emit
from firstcall.lib.crypto import decrypt_text, encrypt_text

logger = logging.getLogger(__name__)

# A document left "processing" this long was being read by a worker that died; the sweep reads it again.
STALE_PROCESSING = timedelta(minutes=10)
# A document still "received" this long lost its task; the sweep enqueues it again.
LOST_TASK = timedelta(minutes=1)


class DocumentTooLarge(Exception):
    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(
            f"The file is larger than the upload limit of {limit // conf.MEBIBYTE} MB ({limit:,} bytes)."
        )


class ReviewRefused(ValueError):
    pass


@dataclass
class UploadOutcome:
    document: Document
    duplicate: bool

    @property
    def message(self) -> str:
        if self.duplicate:
            when = self.document.created_at.strftime("%Y-%m-%d %H:%M UTC")
            return f"{self.document.file_name} is identical to a document already on this lead (uploaded {when})."
        return f"{self.document.file_name} received; it is being read."


def _clean_name(name: str) -> str:
    name = (name or "document").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in name if c.isprintable())[:200] or "document"


def upload(
    lead, *, file_name: str, data: bytes, actor=None, source: str = Document.Source.WEB
) -> UploadOutcome:
    """Store one file (encrypted) on the lead and queue it for reading; an identical file already on the lead is
    recognised and not stored twice. Any content is kept, even one that cannot be read: the reader says why."""
    limit = conf.max_upload_bytes()
    if len(data) > limit:
        raise DocumentTooLarge(limit)
    digest = hashlib.sha256(data).hexdigest()
    existing = Document.objects.filter(lead=lead, sha256=digest).first()
    if existing is not None:
        record_audit(
            lead.organisation,
            "document.duplicate_upload",
            actor=actor,
            detail={"lead_id": lead.pk, "document_id": existing.pk},
        )
        return UploadOutcome(existing, True)
    try:
        media_type = sniff(data[:1024])
    except DocumentError:
        media_type = ""
    storage_name = storage.save(lead.organisation_id, data)
    with transaction.atomic():
        document = Document.objects.create(
            organisation_id=lead.organisation_id,
            lead=lead,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
            source=source,
            file_name=_clean_name(file_name),
            media_type=media_type,
            size_bytes=len(data),
            sha256=digest,
            storage_name=storage_name,
            key_id=storage.current_key_id(),
        )
        record_audit(
            lead.organisation,
            "document.uploaded",
            actor=document.uploaded_by,
            detail={
                "lead_id": lead.pk,
                "document_id": document.pk,
                "bytes": len(data),
                "media_type": media_type,
                "source": source,
            },
        )
        transaction.on_commit(lambda: _enqueue(document.pk))
    return UploadOutcome(document, False)


def _enqueue(document_id: int) -> None:
    from firstcall.documents.tasks import read_document_task

    read_document_task.enqueue(document_id)


def read_stored(document: Document) -> bytes:
    return storage.load(document.storage_name)


def process(document_id: int) -> str:
    """Read a received document (the worker's task). Idempotent: only a document in "received" is claimed."""
    now = timezone.now()
    claimed = Document.objects.filter(pk=document_id, status=Document.Status.RECEIVED).update(
        status=Document.Status.PROCESSING, processing_started_at=now
    )
    if not claimed:
        return "not waiting"
    document = Document.objects.select_related("lead").get(pk=document_id)
    password = None
    if document.password_encrypted:
        try:
            password = decrypt_text(document.password_encrypted, conf.encryption_key_material())
        except ValueError:
            password = None
    try:
        data = read_stored(document)
        result = read_file(
            data,
            password=password,
            limits=Limits(page_limit=conf.page_limit(), max_pixels=conf.max_pixels()),
            borrower_names=tuple(name for name in [document.lead.full_name] if name.strip()),
            as_of=timezone.localdate(),
        )
    except PasswordRequired as error:
        _settle(document, Document.Status.NEEDS_PASSWORD, error.code, str(error))
        return error.code
    except DocumentError as error:
        _settle(document, Document.Status.FAILED, error.code, str(error))
        return error.code
    except storage.UnreadableStoredFile as error:
        _settle(document, Document.Status.FAILED, "storage", str(error))
        return "storage"
    except Exception:  # a reader bug must leave a clear state, not a document stuck in "processing"
        logger.exception("Reading document %s failed", document_id)
        _settle(
            document,
            Document.Status.FAILED,
            "reader_error",
            "The document could not be read because of an internal error; it is kept and can be retried.",
        )
        return "reader_error"
    with transaction.atomic():
        document.fields.all().delete()
        ExtractedField.objects.bulk_create(
            [
                ExtractedField(
                    document=document,
                    name=name,
                    value=item["value"],
                    confidence=item["confidence"],
                    page=item["page"],
                    bbox=item["bbox"],
                    method=item["method"],
                )
                for name, item in result.as_json(document.file_name)["fields"].items()
            ]
        )
        document.document_type = result.document_type
        document.type_confidence = result.type_confidence
        document.page_count = len(result.pages)
        document.page_sizes = [[round(page.width, 1), round(page.height, 1)] for page in result.pages]
        document.page_types = result.page_types
        document.page_methods = [page.method for page in result.pages]
        document.checks = [check.as_json() for check in result.checks]
        _settle(document, Document.Status.NEEDS_REVIEW, "", "")
    return "read"


def _settle(document: Document, status: str, code: str, message: str) -> None:
    document.status = status
    document.failure_code = code
    document.failure_message = message[:300]
    document.password_encrypted = ""
    document.processed_at = timezone.now()
    document.save()


def provide_password(document: Document, password: str, *, actor) -> None:
    """The loan officer enters a protected PDF's password once; it is held encrypted until the next read."""
    if document.status != Document.Status.NEEDS_PASSWORD:
        raise ReviewRefused("This document is not waiting for a password.")
    if not password:
        raise ReviewRefused("Enter the password.")
    with transaction.atomic():
        updated = Document.objects.filter(pk=document.pk, status=Document.Status.NEEDS_PASSWORD).update(
            status=Document.Status.RECEIVED,
            password_encrypted=encrypt_text(password, conf.encryption_key_material()),
            failure_code="",
            failure_message="",
        )
        if updated:
            record_audit(
                document.organisation,
                "document.password_entered",
                actor=actor,
                detail={"document_id": document.pk, "lead_id": document.lead_id},
            )
            transaction.on_commit(lambda: _enqueue(document.pk))


def retry(document: Document, *, actor) -> None:
    with transaction.atomic():
        if Document.objects.filter(pk=document.pk, status=Document.Status.FAILED).update(
            status=Document.Status.RECEIVED, failure_code="", failure_message=""
        ):
            record_audit(
                document.organisation, "document.retried", actor=actor, detail={"document_id": document.pk}
            )
            transaction.on_commit(lambda: _enqueue(document.pk))


def record_view(document: Document, *, actor, what: str, ip_address=None) -> None:
    record_audit(
        document.organisation,
        f"document.{what}",
        actor=actor,
        ip_address=ip_address,
        detail={"document_id": document.pk, "lead_id": document.lead_id},
    )


# --- review -------------------------------------------------------------------------------------------


MONEY_SUFFIXES = (
    "_wages",
    "_tax",
    "_balance",
    "_deposits",
    "_withdrawals",
    "gross_current",
    "gross_ytd",
    "net_pay",
    "_1z",
    "_11",
    "_15",
    "_24",
    "_31",
    "_26",
    "_1",
    "compensation",
    "rents",
    "income",
    "dividends",
    "payment_amount",
    "withheld",
    "royalties",
    "_interest",
    "regular_rate",
    "regular_hours",
)
DATE_NAMES = ("period_start", "period_end", "pay_date")


def normalise_correction(name: str, raw: str):
    """A corrected value typed by a person, checked for the field's kind (money, date, year, text)."""
    text = (raw or "").strip()
    if not text:
        raise ReviewRefused("Enter the corrected value, or reject the field.")
    short = name.split(".", 1)[-1]
    if short.endswith(DATE_NAMES):
        parsed = parse_date(text)
        if parsed is None:
            raise ReviewRefused("Enter a date, e.g. 2025-08-15 or 08/15/2025.")
        return parsed.isoformat()
    if short == "tax_year":
        if not (text.isdigit() and len(text) == 4):
            raise ReviewRefused("Enter a four-digit year.")
        return int(text)
    if short.endswith("last4"):
        digits = "".join(c for c in text if c.isdigit())[-4:]
        if len(digits) != 4:
            raise ReviewRefused("Enter the last four digits only.")
        return digits
    if short.endswith(MONEY_SUFFIXES):
        try:
            amount = Decimal(text.replace("$", "").replace(",", "").strip())
        except InvalidOperation as error:
            raise ReviewRefused("Enter an amount, e.g. 52,000.00.") from error
        return str(amount.quantize(Decimal("0.01")))
    return text[:200]


@transaction.atomic
def review_field(field: ExtractedField, action: str, *, actor, value: str | None = None) -> ExtractedField:
    field = ExtractedField.objects.select_for_update().select_related("document").get(pk=field.pk)
    if field.document.status not in (Document.Status.NEEDS_REVIEW, Document.Status.REVIEWED):
        raise ReviewRefused("This document has not been read yet.")
    previous = field.final_value if field.status != ExtractedField.Status.PENDING else field.value
    if action == ExtractedField.Status.ACCEPTED:
        field.corrected_value = None
        new_value = field.value
    elif action == ExtractedField.Status.CORRECTED:
        if isinstance(field.value, list):
            raise ReviewRefused("A list cannot be corrected here; reject it and note the right figures.")
        new_value = normalise_correction(field.name, value or "")
        field.corrected_value = new_value
    elif action == ExtractedField.Status.REJECTED:
        field.corrected_value = None
        new_value = None
    else:
        raise ReviewRefused("Accept, correct or reject.")
    field.status = action
    field.reviewed_by = actor
    field.reviewed_at = timezone.now()
    field.save()
    FieldReview.objects.create(
        field=field, action=action, previous_value=previous, new_value=new_value, actor=actor
    )
    return field


@transaction.atomic
def accept_all_pending(document: Document, *, actor) -> int:
    count = 0
    for field in document.fields.filter(status=ExtractedField.Status.PENDING):
        review_field(field, ExtractedField.Status.ACCEPTED, actor=actor)
        count += 1
    return count


@transaction.atomic
def complete_review(document: Document, *, actor) -> Document:
    """Mark the document reviewed once every field has a decision, and tell the other apps."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status != Document.Status.NEEDS_REVIEW:
        raise ReviewRefused("Only a document that needs review can be marked reviewed.")
    pending = document.fields.filter(status=ExtractedField.Status.PENDING).count()
    if pending:
        raise ReviewRefused(f"{pending} field(s) still need a decision.")
    document.status = Document.Status.REVIEWED
    document.reviewed_by = actor
    document.reviewed_at = timezone.now()
    document.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    counts = {
        status: document.fields.filter(status=status).count() for status in ExtractedField.Status.values
    }
    emit(
        "document.reviewed",
        organisation_id=document.organisation_id,
        document_id=document.pk,
        lead_id=document.lead_id,
        document_type=document.document_type,
        accepted_fields=counts["accepted"],
        corrected_fields=counts["corrected"],
        rejected_fields=counts["rejected"],
        reviewed_by_id=actor.pk if actor else None,
    )
    record_audit(
        document.organisation,
        "document.reviewed",
        actor=actor,
        detail={"document_id": document.pk, "lead_id": document.lead_id},
    )
    return document


def reviewed_values(document: Document) -> dict:
    """name -> final value of every accepted or corrected field."""
    return {
        field.name: field.final_value
        for field in document.fields.all()
        if field.status in (ExtractedField.Status.ACCEPTED, ExtractedField.Status.CORRECTED)
    }


# --- sweep --------------------------------------------------------------------------------------------


def sweep_documents() -> int:
    """Re-queue documents whose task was lost, and documents a dead worker left half read."""
    now = timezone.now()
    stale = Document.objects.filter(
        status=Document.Status.PROCESSING, processing_started_at__lt=now - STALE_PROCESSING
    )
    revived = stale.update(status=Document.Status.RECEIVED)
    waiting = list(
        Document.objects.filter(status=Document.Status.RECEIVED, created_at__lt=now - LOST_TASK).values_list(
            "pk", flat=True
        )[:50]
    )
    for document_id in waiting:
        _enqueue(document_id)
    return revived + len(waiting)
