"""Settings pages for webhooks: subscriptions, the delivery log, replay, a test message. Org admins only."""

import json
from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from firstcall.accounts.models import Team, User
from firstcall.integrations import access, los
from firstcall.integrations.calendar import ics
from firstcall.integrations.calendar import services as calendar
from firstcall.integrations.forms import WebhookSubscriptionForm
from firstcall.integrations.models import Appointment, LosEvent
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


# --- booking pages (public) and calendar feeds ---------------------------------------------------------------

US_TIME_ZONES = [
    ("America/New_York", "Eastern"), ("America/Chicago", "Central"), ("America/Denver", "Mountain"),
    ("America/Phoenix", "Arizona"), ("America/Los_Angeles", "Pacific"), ("America/Anchorage", "Alaska"),
    ("Pacific/Honolulu", "Hawaii"),
]  # fmt: skip
ZONE_NAMES = {name for name, _ in US_TIME_ZONES}


def _days(slots, zone_name: str) -> list[tuple[str, list[tuple[str, str]]]]:
    zone = ZoneInfo(zone_name)
    days: dict[str, list[tuple[str, str]]] = {}
    for slot in slots:
        local = slot.astimezone(zone)
        days.setdefault(local.strftime("%A, %B %-d"), []).append(
            (slot.isoformat(), local.strftime("%-I:%M %p"))
        )
    return list(days.items())


def _booking_page(request, *, officer_for_slot, slots, title: str, organisation, default_zone: str, lead):
    zone = request.POST.get("tz") or request.GET.get("tz") or (lead.time_zone if lead else "") or default_zone
    zone = zone if zone in ZONE_NAMES else default_zone if default_zone in ZONE_NAMES else "America/New_York"
    error = ""
    if request.method == "POST":
        try:
            chosen = datetime.fromisoformat(request.POST.get("slot", ""))
        except ValueError:
            chosen = None
        officer = officer_for_slot(chosen) if chosen else None
        first_name, last_name = (
            request.POST.get("first_name", "").strip(),
            request.POST.get("last_name", "").strip(),
        )
        email, phone = request.POST.get("email", "").strip(), request.POST.get("phone", "").strip()
        if officer is None:
            error = "Choose one of the times shown."
        elif not lead and not (first_name and (email or phone)):
            error = "Your name and an email or phone number, please."
        else:
            try:
                appointment = calendar.book(officer, chosen, first_name=first_name, last_name=last_name, email=email,
                                            phone=phone, borrower_time_zone=zone, lead=lead)  # fmt: skip
            except calendar.BookingRefused as refused:
                error = str(refused)
            else:
                local = appointment.starts_at.astimezone(ZoneInfo(zone))
                token = signing.dumps(appointment.pk, salt="firstcall.calendar.invite")
                return render(request, "integrations/booked.html", {
                    "appointment": appointment, "when": local.strftime("%A, %B %-d at %-I:%M %p"), "zone": zone,
                    "ics_url": reverse("booking_invite", args=[token]), "organisation": organisation,
                    "manage_url": calendar.manage_url(appointment),
                }, status=201)  # fmt: skip
    return render(request, "integrations/booking.html", {
        "title": title, "days": _days(slots, zone), "zone": zone, "zones": US_TIME_ZONES, "error": error,
        "lead": lead, "organisation": organisation, "post": request.POST,
    }, status=400 if error else 200)  # fmt: skip


@require_http_methods(["GET", "POST"])
def booking_officer(request, user_id: int):
    officer = get_object_or_404(User, pk=user_id, is_active=True, organisation__isnull=False)
    if not calendar.bookable(officer):
        raise Http404
    lead = calendar.lead_from_token(request.GET.get("lead", ""), officer.organisation_id)
    slots = calendar.slots_for(officer)
    free = set(slots)
    return _booking_page(
        request, officer_for_slot=lambda slot: officer if slot.astimezone(UTC) in free else None, slots=slots,
        title=f"Book a call with {officer.get_full_name() or officer.username}", organisation=officer.organisation,
        default_zone=officer.time_zone, lead=lead,
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def booking_team(request, team_id: int):
    team = get_object_or_404(Team.objects.select_related("organisation"), pk=team_id)
    lead = calendar.lead_from_token(request.GET.get("lead", ""), team.organisation_id)
    by_slot = calendar.team_slots(team)
    if not by_slot and request.method == "GET" and not team.members.exists():
        raise Http404
    return _booking_page(
        request, officer_for_slot=lambda slot: (by_slot.get(slot.astimezone(UTC)) or [None])[0], slots=list(by_slot),
        title=f"Book a call with {team.organisation.name}", organisation=team.organisation,
        default_zone=team.organisation.time_zone, lead=lead,
    )  # fmt: skip


@require_GET
def booking_invite(request, token: str):
    """The borrower's copy of the invitation, linked from the confirmation page."""
    try:
        appointment_id = signing.loads(token, salt="firstcall.calendar.invite", max_age=60 * 60 * 24 * 90)
    except signing.BadSignature as error:
        raise Http404 from error
    appointment = get_object_or_404(Appointment.objects.select_related("loan_officer__organisation", "lead"),
                                    pk=appointment_id)  # fmt: skip
    body = ics.invitation(calendar.meeting(appointment, for_borrower=True))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="call.ics"'
    return response


@require_http_methods(["GET", "POST"])
def booking_manage(request, token: str):
    """The borrower moves or cancels their call from the link in their invitation. The signed link is the
    only key: it names one appointment, and the page shows nothing of the lead beyond the call itself."""
    appointment = calendar.appointment_from_manage_token(token)
    if appointment is None:
        raise Http404
    officer = appointment.loan_officer
    zone = calendar.borrower_zone(appointment)
    zone = (
        zone.key
        if zone.key in ZONE_NAMES
        else officer.time_zone
        if officer.time_zone in ZONE_NAMES
        else "America/New_York"
    )
    is_open = appointment.status == Appointment.Status.BOOKED and appointment.starts_at > timezone.now()
    error = notice = ""
    if request.method == "POST" and not is_open:
        error = "This call can no longer be changed."
    elif request.method == "POST" and request.POST.get("action") == "cancel":
        calendar.cancel(appointment)
        notice, is_open = "Your call is cancelled. We sent the cancellation to your calendar.", False
    elif request.method == "POST":
        try:
            chosen = datetime.fromisoformat(request.POST.get("slot", ""))
            if chosen.tzinfo is None:
                raise ValueError("a time without its zone")
            calendar.reschedule(appointment, chosen)
        except (ValueError, calendar.BookingRefused):
            error = "Choose one of the times shown."
        else:
            notice = "Your call is moved. We sent the new time to your calendar."
    appointment.refresh_from_db()
    local = appointment.starts_at.astimezone(ZoneInfo(zone))
    return render(request, "integrations/booking_manage.html", {
        "appointment": appointment, "officer": officer, "organisation": officer.organisation, "zone": zone,
        "when": local.strftime("%A, %B %-d at %-I:%M %p"), "is_open": is_open, "error": error, "notice": notice,
        "days": _days(calendar.slots_for(officer), zone) if is_open else [],
    }, status=400 if error else 200)  # fmt: skip


@require_GET
def calendar_feed(request, user_id: int, token: str):
    user = calendar.user_for_feed(user_id, token)
    if user is None:
        raise Http404
    return HttpResponse(calendar.officer_feed(user), content_type="text/calendar; charset=utf-8")
