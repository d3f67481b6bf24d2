"""Thin HTTP side of messaging: provider webhooks (signature first), the unsubscribe page, the in-app
outbox."""

import logging

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import DisallowedHost
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from firstcall.messaging import services
from firstcall.messaging.access import visible_messages
from firstcall.messaging.models import Message
from firstcall.messaging.twilio_signature import is_valid_signature
from firstcall.messaging.unsubscribe import read_token

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def _twilio_signature_is_valid(request) -> bool:
    """X-Twilio-Signature over the URL Twilio called plus the sorted POST parameters. Behind a proxy the URL
    we see may differ from the one Twilio called, so the configured public SITE_URL is tried too."""
    params = [(key, value) for key, values in request.POST.lists() for value in values]
    signature = request.headers.get("X-Twilio-Signature", "")
    urls = [settings.SITE_URL + request.get_full_path()]
    try:
        urls.append(request.build_absolute_uri())
    except DisallowedHost:
        pass
    return any(is_valid_signature(url, params, signature, settings.SMS_AUTH_TOKEN) for url in urls)


@csrf_exempt
@require_POST
def sms_status_hook(request):
    if not _twilio_signature_is_valid(request):
        return HttpResponseForbidden("Invalid signature")
    try:
        message_id = int(request.GET.get("m", ""))
    except ValueError:
        message_id = None
    services.apply_delivery_status(
        provider_message_id=request.POST.get("MessageSid") or request.POST.get("SmsSid", ""),
        status=request.POST.get("MessageStatus") or request.POST.get("SmsStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
        message_id=message_id,
    )
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def sms_inbound_hook(request):
    if not _twilio_signature_is_valid(request):
        return HttpResponseForbidden("Invalid signature")
    organisation = services.find_organisation_for_number(request.POST.get("To", ""))
    if organisation is None:
        logger.warning(
            "Inbound SMS %s to a number no organisation owns", request.POST.get("MessageSid", "")[:40]
        )
    else:
        services.receive_inbound_sms(
            organisation=organisation,
            from_number=request.POST.get("From", ""),
            to_number=request.POST.get("To", ""),
            body=request.POST.get("Body", ""),
            provider_message_id=request.POST.get("MessageSid") or request.POST.get("SmsSid", ""),
        )
    # Replies (STOP confirmation, HELP) go through the outbox, so they are gated and logged like every send.
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def email_inbound_hook(request):
    """Borrowers' email replies, parsed by the mail provider (Mailgun-style fields, signed)."""
    from firstcall.messaging.inbound_email import is_valid_signature, receive_inbound_email

    post = request.POST
    if not is_valid_signature(post.get("timestamp", ""), post.get("token", ""), post.get("signature", "")):
        return HttpResponseForbidden("Invalid signature")
    message, _is_new = receive_inbound_email(
        from_address=post.get("sender", ""),
        to_address=post.get("recipient", ""),
        subject=post.get("subject", ""),
        body=post.get("stripped-text") or post.get("body-plain", ""),
        provider_message_id=post.get("Message-Id", ""),
    )
    if message is None:
        logger.info("Inbound email %s matches no lead", post.get("Message-Id", "")[:60])
    return HttpResponse(status=200)  # a 2xx either way, so the provider does not retry a reply nobody owns


# The token is the credential and mail clients POST one-click unsubscribes (RFC 8058) without a CSRF cookie.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    target = read_token(token)
    if target is None:
        return render(request, "messaging/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        services.unsubscribe_email(target)
        return render(request, "messaging/unsubscribe.html", {"done": True, "address": target.address})
    return render(request, "messaging/unsubscribe.html", {"address": target.address})


@login_required
def outbox(request):
    messages = visible_messages(request.user).select_related("lead", "recipient_user", "sent_by")
    status = request.GET.get("status", "")
    if status in Message.Status.values:
        messages = messages.filter(status=status)
    page = Paginator(messages.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request, "messaging/outbox.html", {"page": page, "status": status, "statuses": Message.Status.choices}
    )


@login_required
def outbox_detail(request, message_id: int):
    message = get_object_or_404(
        visible_messages(request.user).select_related("lead", "recipient_user"), pk=message_id
    )
    return render(
        request, "messaging/message_detail.html", {"message": message, "decisions": message.decisions.all()}
    )
