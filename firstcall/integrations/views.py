"""Settings pages for webhooks: subscriptions, the delivery log, replay, a test message. Org admins only."""

import json
from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from firstcall.integrations import access, los
from firstcall.integrations.forms import WebhookSubscriptionForm
from firstcall.integrations.models import LosEvent
from firstcall.integrations.webhooks import services as webhooks
from firstcall.leads.models import Lead


@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request):
    organisation = access.require_integrations_admin(request.user)
    form = WebhookSubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = webhooks.create_subscription(
                organisation, url=form.cleaned_data["url"], event_types=form.cleaned_data["event_types"],
                description=form.cleaned_data["description"], actor=request.user,
            )  # fmt: skip
        except webhooks.InvalidSubscription as error:
            form.add_error("url", str(error))
        else:
            # The secret is shown once, in this response, and never again.
            return render(request, "integrations/webhook_detail.html",
                          {"subscription": subscription, "secret": subscription.secret, "log": []}, status=201)  # fmt: skip
    subscriptions = access.visible_subscriptions(request.user).order_by("id")
    return render(request, "integrations/webhooks.html", {"form": form, "subscriptions": subscriptions},
                  status=400 if form.errors else 200)  # fmt: skip


@login_required
@require_http_methods(["GET"])
def webhook_detail(request, subscription_id: int):
    access.require_integrations_admin(request.user)
    subscription = get_object_or_404(access.visible_subscriptions(request.user), pk=subscription_id)
    log = (access.visible_messages(request.user).filter(subscription=subscription)
           .prefetch_related("attempt_log").order_by("-created_at", "-id")[:100])  # fmt: skip
    return render(request, "integrations/webhook_detail.html",
                  {"subscription": subscription, "secret": None, "log": log})  # fmt: skip


@login_required
@require_POST
def webhook_action(request, subscription_id: int, action: str):
    access.require_integrations_admin(request.user)
    subscription = get_object_or_404(access.visible_subscriptions(request.user), pk=subscription_id)
    if action == "test":
        webhooks.send_test(subscription)
        messages.success(request, "A test message is on its way.")
    elif action == "disable":
        webhooks.disable(subscription, f"Turned off by {request.user.get_username()}")
        messages.success(request, "Webhook turned off.")
    elif action == "enable":
        webhooks.enable(subscription)
        messages.success(request, "Webhook turned on. Replay the messages it missed from the log.")
    else:
        return redirect("webhook_detail", subscription.pk)
    return redirect("webhook_detail", subscription.pk)


@login_required
@require_POST
def webhook_replay(request, message_id: int):
    access.require_integrations_admin(request.user)
    message = get_object_or_404(
        access.visible_messages(request.user).select_related("subscription"), pk=message_id
    )
    webhooks.replay(message)
    messages.success(request, f"Message {message.message_id} will be sent again.")
    return redirect("webhook_detail", message.subscription_id)


# --- milestones from the loan origination system ---------------------------------------------------------

MAX_LOS_BODY_BYTES = 256 * 1024


@csrf_exempt
@require_POST
def los_inbound(request, connection_id: int):
    """POST /hooks/los/<id>/ with `Authorization: Bearer <token>`: a JSON milestone, or an Encompass-style
    notification {"eventType", "meta": {"resourceId"}} that FirstCall answers by fetching the loan."""
    connection = los.authenticate(connection_id, request.headers.get("Authorization", ""))
    if connection is None:
        return JsonResponse({"error": "unauthorised"}, status=401)
    if len(request.body) > MAX_LOS_BODY_BYTES:
        return JsonResponse({"error": "too_large"}, status=413)
    try:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise ValueError("not an object")
    except ValueError:
        event = los.receive_invalid(connection, request.body.decode("utf-8", "replace"))
        return JsonResponse({"error": "invalid_json", "id": event.pk}, status=400)
    event = los.receive_json(connection, data)
    return JsonResponse({"id": event.pk, "status": event.status, "lead_id": event.lead_id,
                         "error": event.error or None}, status=202)  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def los_review(request):
    organisation = access.require_integrations_admin(request.user)
    results = None
    if request.method == "POST" and request.FILES.get("csv"):
        upload = request.FILES["csv"]
        if upload.size > 5 * 1024 * 1024:
            messages.error(request, "The CSV is larger than 5 MB.")
        else:
            try:
                events = los.import_csv(organisation, upload.read().decode("utf-8-sig", "replace"))
            except los.LosReportInvalid as error:
                messages.error(request, str(error))
            else:
                results = Counter(event.get_status_display() for event in events)
    queue = (
        access.visible_los_events(request.user).filter(status=LosEvent.Status.REVIEW).order_by("received_at")
    )
    recent = access.visible_los_events(request.user).exclude(status=LosEvent.Status.REVIEW)[:50]
    candidate_ids = {pk for event in queue for pk in event.candidates}
    candidates = {
        lead.pk: lead for lead in Lead.objects.filter(organisation=organisation, pk__in=candidate_ids)
    }
    rows = [(event, [candidates[pk] for pk in event.candidates if pk in candidates]) for event in queue[:200]]
    return render(
        request, "integrations/los_review.html", {"rows": rows, "recent": recent, "results": results}
    )


@login_required
@require_POST
def los_resolve(request, event_id: int):
    access.require_integrations_admin(request.user)
    event = get_object_or_404(access.visible_los_events(request.user), pk=event_id)
    if request.POST.get("action") == "dismiss":
        los.dismiss(event, request.user)
        messages.success(request, "Dismissed; the report is kept.")
        return redirect("los_review")
    # The form offers a list of candidates and a box for any lead number: the first one given counts.
    chosen = next(
        (value.strip() for value in request.POST.getlist("lead_id") if value.strip().isdigit()), "0"
    )
    lead = Lead.objects.filter(organisation_id=event.organisation_id, pk=int(chosen)).first()
    if lead is None:
        messages.error(request, "Choose a lead of your organisation.")
        return redirect("los_review")
    los.resolve(event, lead, request.user)
    messages.success(request, f"Applied to {lead}.")
    return redirect("los_review")
