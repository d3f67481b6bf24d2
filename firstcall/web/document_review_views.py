"""Finishing a document review from the review screen: the one documents action that reaches other apps, so it
is delivered here and composed in flows.document_review."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from firstcall.documents import access
from firstcall.documents.services import ReviewRefused
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
