from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from firstcall.accounts.models import Notification
from firstcall.web import alerts
from firstcall.web.workspace.my_day import my_day, my_day_version


@login_required
def home(request):
    """My day: what to do next (web/workspace/my_day.py), refreshed live by my_day_live."""
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
    """Polled by htmx every few seconds: the live alert strip on every page (web/alerts.py)."""
    return render(request, "web/partials/notifications.html", alerts.strip(request.user))


@login_required
@require_POST
def notifications_read(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return _strip_or_back(request)


@login_required
@require_POST
def notification_dismiss(request, notification_id: int):
    alerts.dismiss(request.user, notification_id)
    return _strip_or_back(request)


def _strip_or_back(request):
    if request.htmx:
        return render(request, "web/partials/notifications.html", alerts.strip(request.user))
    back = request.META.get("HTTP_REFERER", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("notification_list")


@login_required
def notification_list(request):
    """Every alert, newest first, read or not."""
    alerts.clear_finished(request.user)
    page = Paginator(
        Notification.objects.filter(user=request.user).select_related("lead").order_by("-created_at", "-id"),
        50,
    ).get_page(request.GET.get("page"))
    return render(request, "web/notification_list.html", {"page": page})
