"""Documents over the API: upload to a lead (multipart), list a lead's documents, read one with its fields.

Authentication: an API key (X-Api-Key) of the lead's organisation with `leads:write` to upload and `leads:read`
to read; or a signed-in session, checked like the lead page (documents.access)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import APIKeyHeader, django_auth

from firstcall.accounts.api_scopes import declares
from firstcall.accounts.models import ApiKey
from firstcall.accounts.services import find_api_key, touch_api_key
from firstcall.documents import access, conf, services
from firstcall.documents.models import Document
from firstcall.leads.models import Lead


class DocumentKey(APIKeyHeader):
    param_name = "X-Api-Key"

    def authenticate(self, request: HttpRequest, key: str | None):
        api_key = find_api_key(key)
        if api_key is None:
            return None
        touch_api_key(api_key)
        return api_key


router = Router(tags=["documents"], auth=[DocumentKey(), django_auth])


class FieldOut(Schema):
    value: object = None
    confidence: float
    page: int | None = None
    bbox: list[float] | None = None
    method: str
    status: str
    corrected_value: object = None


class DocumentOut(Schema):
    id: int
    lead_id: int
    file_name: str
    media_type: str
    size_bytes: int
    sha256: str
    status: str
    failure_code: str
    failure_message: str
    document_type: str
    type_confidence: float | None
    pages: int | None
    created_at: datetime
    duplicate: bool = False
    checks: list[dict] = []
    fields: dict[str, FieldOut] = {}


def _out(document: Document, *, duplicate: bool = False, with_fields: bool = False) -> dict:
    data = {
        "id": document.pk,
        "lead_id": document.lead_id,
        "file_name": document.file_name,
        "media_type": document.media_type,
        "size_bytes": document.size_bytes,
        "sha256": document.sha256,
        "status": document.status,
        "failure_code": document.failure_code,
        "failure_message": document.failure_message,
        "document_type": document.document_type,
        "type_confidence": document.type_confidence,
        "pages": document.page_count,
        "created_at": document.created_at,
        "duplicate": duplicate,
        "checks": document.checks,
    }
    if with_fields:
        data["fields"] = {
            field.name: {
                "value": field.value,
                "confidence": field.confidence,
                "page": field.page,
                "bbox": field.bbox,
                "method": field.method,
                "status": field.status,
                "corrected_value": field.corrected_value,
            }
            for field in document.fields.all()
        }
    return data


def _lead(request, lead_id: int, *, write: bool) -> Lead:
    principal = request.auth
    if isinstance(principal, ApiKey):
        scope = ApiKey.SCOPE_LEADS_WRITE if write else ApiKey.SCOPE_LEADS_READ
        if not principal.has_scope(scope) and not (
            not write and principal.has_scope(ApiKey.SCOPE_LEADS_WRITE)
        ):
            raise HttpError(403, f"This API key may not {'upload' if write else 'read'} documents ({scope}).")
        lead = Lead.objects.filter(pk=lead_id, organisation_id=principal.organisation_id).first()
    else:
        lead = access.lead_for_documents(request.user, lead_id)
    if lead is None:
        raise HttpError(404, "No such lead.")
    return lead


def _document(request, document_id: int) -> Document:
    principal = request.auth
    if isinstance(principal, ApiKey):
        if not (
            principal.has_scope(ApiKey.SCOPE_LEADS_READ) or principal.has_scope(ApiKey.SCOPE_LEADS_WRITE)
        ):
            raise HttpError(403, "This API key may not read documents (leads:read).")
        document = Document.objects.filter(pk=document_id, organisation_id=principal.organisation_id).first()
    else:
        document = access.document_for(request.user, document_id)
    if document is None:
        raise HttpError(404, "No such document.")
    return document


UPLOAD_OPENAPI = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    },
                    "required": ["file"],
                }
            }
        }
    }
}


@router.post(
    "/leads/{lead_id}/documents",
    **declares(ApiKey.SCOPE_LEADS_WRITE, openapi_extra=UPLOAD_OPENAPI),
    response={201: list[DocumentOut], 200: list[DocumentOut]},
    summary="Upload documents to a lead",
)
def upload_documents(request: HttpRequest, lead_id: int):
    """Multipart upload, one or more parts named `file`. Each is stored encrypted and read in the background
    (poll `GET /documents/{id}`). An identical file already on the lead comes back with `duplicate: true`."""
    lead = _lead(request, lead_id, write=True)
    limit = conf.max_upload_bytes()
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > limit * 4 + 1_000_000:
        raise HttpError(413, services.DocumentTooLarge(limit).args[0])
    files = request.FILES.getlist("file") or request.FILES.getlist("files")
    if not files:
        raise HttpError(422, "Send the document as a multipart part named 'file'.")
    if any(item.size > limit for item in files):
        raise HttpError(413, services.DocumentTooLarge(limit).args[0])
    actor = request.auth if not isinstance(request.auth, ApiKey) else None
    results = []
    created = False
    for item in files:
        outcome = services.upload(
            lead, file_name=item.name, data=item.read(), actor=actor, source=Document.Source.API
        )
        created = created or not outcome.duplicate
        results.append(_out(outcome.document, duplicate=outcome.duplicate))
    return Status(201 if created else 200, results)


@router.get(
    "/leads/{lead_id}/documents",
    **declares(ApiKey.SCOPE_LEADS_READ),
    response=list[DocumentOut],
    summary="A lead's documents",
)
def list_documents(request: HttpRequest, lead_id: int):
    lead = _lead(request, lead_id, write=False)
    return [_out(document) for document in Document.objects.filter(lead=lead)]


@router.get(
    "/documents/{document_id}",
    **declares(ApiKey.SCOPE_LEADS_READ),
    response=DocumentOut,
    summary="One document with its fields",
)
def get_document(request: HttpRequest, document_id: int):
    document = _document(request, document_id)
    services.record_view(
        document, actor=request.auth if not isinstance(request.auth, ApiKey) else None, what="viewed_over_api"
    )
    return _out(document, with_fields=True)
