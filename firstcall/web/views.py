from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from firstcall.accounts.models import Notification, User
from firstcall.leads.access import visible_leads
from firstcall.pipeline.my_day import my_day, my_day_version
from firstcall.routing.access import can_reassign
from firstcall.routing.models import LeadOffer


@login_required
def home(request):
    """My day: what to do next (pipeline/my_day.py), refreshed live by my_day_live."""
    now = timezone.now()
    return render(request, "web/home.html", {"day": my_day(request.user, now), "now": now})


@login_required
def my_day_live(request):
    """Polled by My day every few seconds: 204 (nothing to swap) unless something it shows changed."""
    now = timezone.now()
    if request.GET.get("version") == my_day_version(request.user, now):
        return HttpResponse(status=204)
    context = {"day": my_day(request.user, now), "now": now}
    return render(request, "web/partials/my_day_sections.html", context)


@login_required
def lead_detail(request, lead_id: int):
    lead = get_object_or_404(
        visible_leads(request.user).select_related("owner", "source", "stage", "pipeline", "organisation"), pk=lead_id
    )
    latest_score = lead.scores.first()
    decisions = list(lead.routing_decisions.select_related("chosen_user")[:3])
    timeline = lead.timeline.select_related("actor")[:100]
    consents = lead.consents.all()[:20]
    try:
        from firstcall.messaging.models import Message

        messages_list = list(Message.objects.filter(lead=lead).order_by("-created_at")[:50])
    except ImportError:
        messages_list = []
    my_offer = LeadOffer.objects.filter(lead=lead, user=request.user, status=LeadOffer.Status.OPEN).first()
    officers = []
    if can_reassign(request.user, lead):
        officers = User.objects.filter(organisation_id=lead.organisation_id, role=User.Role.LOAN_OFFICER, is_active=True)
    return render(request, "web/lead_detail.html", {
        "lead": lead, "score": latest_score, "decisions": decisions, "timeline": timeline, "consents": consents,
        "messages_list": messages_list, "my_offer": my_offer, "officers": officers, "now": timezone.now(),
    })  # fmt: skip


@login_required
def notifications(request):
    """Polled by htmx every few seconds: the live alert strip on every page."""
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True).select_related("lead")[:5]
    return render(request, "web/partials/notifications.html", {"unread": unread})


@login_required
@require_POST
def notifications_read(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "web/partials/notifications.html", {"unread": []})
