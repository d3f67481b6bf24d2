"""The documents actions that reach other apps (finishing a review feeds the scenario and the assessment; a
document request is a borrower message), delivered here and composed in flows/."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from firstcall.documents import access
from firstcall.documents.services import ReviewRefused
from firstcall.flows.document_request import NothingToRequest, request_documents
from firstcall.flows.document_review import finish_review


@login_required
@require_POST
def complete_document_review(request, document_id: int):
    document = access.document_for(request.user, document_id)
    if document is None:
        raise Http404
    try:
        messages.success(request, finish_review(document, actor=request.user))
    except ReviewRefused as error:
        messages.error(request, str(error))
        return redirect("document_review", document.pk)
    return redirect(reverse("lead_detail", args=[document.lead_id]) + "#documents")


@login_required
@require_POST
def request_documents_from_borrower(request, lead_id: int):
    lead = access.lead_for_documents(request.user, lead_id)
    if lead is None:
        raise Http404
    channel = request.POST.get("channel")
    if channel not in ("sms", "email"):
        messages.error(request, "Choose text or email.")
    else:
        try:
            message = request_documents(lead, channel=channel, actor=request.user)
        except NothingToRequest as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Document request {message.get_status_display().lower()} ({channel}).")
    return redirect(reverse("lead_detail", args=[lead.pk]) + "#documents")
