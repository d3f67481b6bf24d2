"""The lead page's documents panel, uploads, the review screen and the page images. Thin: access through
`documents.access`, changes through `documents.services`, every view and download audited."""

from __future__ import annotations

import hashlib
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from firstcall.accounts.client import client_ip
from firstcall.accounts.throttle import is_rate_limited
from firstcall.documents import access, conf, needs, services
from firstcall.documents.engine import DocumentError, render_page_image
from firstcall.documents.models import Document, ExtractedField
from firstcall.documents.presentation import field_rows, figures_for, panel_context
from firstcall.leads.models import Lead


def _lead(request, lead_id):
    lead = access.lead_for_documents(request.user, lead_id)
    if lead is None:
        raise Http404
    return lead


def _document(request, document_id):
    document = access.document_for(request.user, document_id)
    if document is None:
        raise Http404
    return document


@login_required
@require_GET
def lead_panel(request, lead_id: int):
    lead = _lead(request, lead_id)
    return render(request, "documents/_lead_panel.html", panel_context(lead))


@login_required
@require_POST
def upload(request, lead_id: int):
    lead = _lead(request, lead_id)
    limit = conf.max_upload_bytes()
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    files = []
    too_large = declared > limit * 4 + 1_000_000  # a request far beyond what the files may add up to
    if not too_large:
        files = request.FILES.getlist("files")
        too_large = any(item.size > limit for item in files)
    if too_large:
        message = services.DocumentTooLarge(limit).args[0]
        context = panel_context(lead, errors=[message])
        return render(request, "documents/_lead_panel.html", context, status=413)
    notices, errors = [], []
    if not files:
        errors.append("Choose one or more files to upload.")
    for item in files:
        outcome = services.upload(
            lead, file_name=item.name, data=item.read(), actor=request.user, source=Document.Source.WEB
        )
        (notices if not outcome.duplicate else errors).append(outcome.message)
    if request.htmx:
        return render(
            request, "documents/_lead_panel.html", panel_context(lead, notices=notices, errors=errors)
        )
    for notice in notices:
        messages.success(request, notice)
    for error in errors:
        messages.error(request, error)
    return redirect(reverse("lead_detail", args=[lead.pk]) + "#documents")


@login_required
@require_GET
def review(request, document_id: int):
    document = _document(request, document_id)
    services.record_view(document, actor=request.user, what="viewed", ip_address=client_ip(request))
    page = int(request.GET.get("page") or 1)
    rows = field_rows(document)
    pages = list(range(1, (document.page_count or 0) + 1))
    page = page if page in pages else (pages[0] if pages else 1)
    width, height = document.page_sizes[page - 1] if document.page_sizes else (612, 792)
    context = {
        "document": document,
        "lead": document.lead,
        "rows": rows,
        "page": page,
        "pages": pages,
        "page_boxes": [row for row in rows if row["page"] == page and row["box"]],
        "page_ratio": round(height / width * 100, 3) if width else 129.4,
        "pending": sum(1 for row in rows if row["field"].status == ExtractedField.Status.PENDING),
        **figures_for(document),
    }
    return render(request, "documents/review.html", context)


@login_required
@require_GET
def page_image(request, document_id: int, page: int):
    document = _document(request, document_id)
    if not document.page_count or not 1 <= page <= document.page_count:
        raise Http404
    try:
        image = render_page_image(services.read_stored(document), page, dpi=110)
    except (DocumentError, services.storage.UnreadableStoredFile) as error:
        raise Http404 from error
    image.thumbnail((1400, 1800))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "PNG", optimize=False)
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def download(request, document_id: int):
    document = _document(request, document_id)
    services.record_view(document, actor=request.user, what="downloaded", ip_address=client_ip(request))
    data = services.read_stored(document)
    response = HttpResponse(data, content_type=document.media_type or "application/octet-stream")
    safe_name = "".join(c for c in document.file_name if c.isalnum() or c in "._- ") or "document"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def review_field(request, document_id: int, field_id: int):
    document = _document(request, document_id)
    field = document.fields.filter(pk=field_id).first()
    if field is None:
        raise Http404
    try:
        services.review_field(
            field, request.POST.get("action", ""), actor=request.user, value=request.POST.get("value")
        )
    except services.ReviewRefused as refused:
        problem = str(refused)
    else:
        problem = None
    if problem and not request.htmx:
        messages.error(request, problem)
    if request.htmx:
        row = next(row for row in field_rows(document) if row["field"].pk == field.pk)
        return render(
            request,
            "documents/_field_row.html",
            {"row": row, "document": document, "error": problem},
            status=200,  # htmx swaps only successful responses; the row itself shows the refusal
        )
    return redirect(reverse("document_review", args=[document.pk]) + f"#field-{field.pk}")


@login_required
@require_POST
def accept_all(request, document_id: int):
    document = _document(request, document_id)
    try:
        count = services.accept_all_pending(document, actor=request.user)
        messages.success(request, f"Accepted {count} field(s).")
    except services.ReviewRefused as error:
        messages.error(request, str(error))
    return redirect("document_review", document.pk)


@login_required
@require_POST
def password(request, document_id: int):
    document = _document(request, document_id)
    try:
        services.provide_password(document, request.POST.get("password", ""), actor=request.user)
        messages.success(request, "Password received; the document is being read again.")
    except services.ReviewRefused as error:
        messages.error(request, str(error))
    return redirect(reverse("lead_detail", args=[document.lead_id]) + "#documents")


@login_required
@require_POST
def retry(request, document_id: int):
    document = _document(request, document_id)
    services.retry(document, actor=request.user)
    return redirect(reverse("lead_detail", args=[document.lead_id]) + "#documents")


def _upload_rate_limited(request, token: str) -> bool:
    """Posts to the public upload page, per client address and per link, counted per clock minute with the
    same limiter as sign-in and the public forms. The link is counted by its digest, never stored as is."""
    link = hashlib.sha256(token.encode()).hexdigest()[:32]
    return is_rate_limited(
        f"document-upload-ip:{client_ip(request)}", conf.borrower_uploads_per_ip_per_minute()
    ) or is_rate_limited(f"document-upload-link:{link}", conf.borrower_uploads_per_link_per_minute())


@require_http_methods(["GET", "POST"])
def borrower_upload(request, token: str):
    """The borrower's own upload page, reached by a signed, expiring link for one lead; no sign-in."""
    context = {"days": needs.UPLOAD_LINK_DAYS, "notices": [], "error": None, "expired": False}
    try:
        lead_id, organisation_id = needs.lead_id_from_token(token)
    except needs.InvalidUploadLink as error:
        return render(
            request,
            "documents/borrower_upload.html",
            {**context, "error": str(error), "expired": True},
            status=410,
        )
    lead = Lead.objects.filter(pk=lead_id, organisation_id=organisation_id).first()
    if lead is None:
        return render(
            request,
            "documents/borrower_upload.html",
            {**context, "error": "This upload link is not valid.", "expired": True},
            status=404,
        )
    status = 200
    if request.method == "POST" and _upload_rate_limited(request, token):
        # Refused before any file is read or stored: nothing of this request is kept.
        context["error"] = (
            "Too many uploads in a short time from this link or this network. "
            "Please wait a minute and try again; nothing from this attempt was kept."
        )
        context["first_name"] = lead.first_name
        context["missing"] = needs.missing_labels(lead)
        response = render(request, "documents/borrower_upload.html", context, status=429)
        response["Retry-After"] = "60"
        return response
    if request.method == "POST":
        limit = conf.max_upload_bytes()
        files = request.FILES.getlist("files")
        if any(item.size > limit for item in files):
            context["error"] = services.DocumentTooLarge(limit).args[0]
            status = 413
        elif not files:
            context["error"] = "Choose a photo or a file first."
        for item in files if status == 200 else []:
            outcome = services.upload(
                lead, file_name=item.name, data=item.read(), source=Document.Source.BORROWER_LINK
            )
            context["notices"].append(
                f"Received {item.name}. Thank you."
                if not outcome.duplicate
                else f"{item.name} was already received."
            )
    context["first_name"] = lead.first_name
    context["missing"] = needs.missing_labels(lead)
    return render(request, "documents/borrower_upload.html", context, status=status)
