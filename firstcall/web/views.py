from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from firstcall.accounts.models import Notification
from firstcall.pipeline.my_day import my_day, my_day_version


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
def notifications(request):
    """Polled by htmx every few seconds: the live alert strip on every page."""
    unread = Notification.objects.filter(user=request.user, read_at__isnull=True).select_related("lead")[:5]
    return render(request, "web/partials/notifications.html", {"unread": unread})


@login_required
@require_POST
def notifications_read(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "web/partials/notifications.html", {"unread": []})
