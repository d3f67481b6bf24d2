"""The weekly digest: each subscribed manager (or loan officer, for their own numbers) gets last week's leads,
speed to lead, conversions, the best and worst sources by cost per funded loan and the leads that stalled, as an
HTML email with the chart attached inline, sent by the worker on the day and hour they chose."""

import io
import logging
from datetime import datetime, timedelta
from email.mime.image import MIMEImage
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from firstcall.reports import queries
from firstcall.reports.models import DigestSubscription
from firstcall.reports.queries import Filters

logger = logging.getLogger(__name__)


def _zone(user) -> ZoneInfo:
    try:
        return ZoneInfo(getattr(user, "time_zone", "") or "America/New_York")
    except (KeyError, ValueError):
        return ZoneInfo("America/New_York")


def bar_png(rows: list[tuple[str, int]], *, width: int = 560) -> bytes:
    """A plain bar chart as PNG (email clients do not show SVG)."""
    height = max(40, 28 * len(rows) + 16)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    largest = max((value for _, value in rows), default=0) or 1
    for index, (label, value) in enumerate(rows):
        y = 8 + index * 28
        draw.text((4, y + 4), label[:22], fill="black", font=font)
        length = int((width - 220) * value / largest)
        draw.rectangle([170, y, 170 + max(length, 1), y + 20], fill=(11, 92, 171))
        draw.text((176 + length, y + 4), str(value), fill="black", font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def digest_for(user, today) -> dict:
    filters = Filters(organisation_id=user.organisation_id, date_from=today - timedelta(days=7),
                      date_to=today - timedelta(days=1))  # fmt: skip
    funnel = queries.funnel_report(user, filters)
    speed = queries.speed_report(user, filters)
    by_source = Filters(**{**filters.__dict__, "by": "source"})
    roi = [group for group in queries.roi_report(user, by_source)["groups"] if group["cost_per_funded_loan"]]
    roi.sort(key=lambda group: group["cost_per_funded_loan"])
    leads_by_source = [(group["label"], group["leads"]) for group in queries.grouped(user, by_source)]
    # The same stalled leads as the Activity report's (queries.stalled_stays): open stage, waiting over two weeks.
    stalled = queries.stalled_stays(user, filters, timezone.now())
    return {
        "user": user,
        "filters": filters,
        "steps": funnel["groups"][0]["steps"] if funnel["groups"] else [],
        "speed": speed["groups"][0] if speed["groups"] else None,
        "best_sources": roi[:3],
        "worst_sources": list(reversed(roi[-3:])) if len(roi) > 3 else [],
        "leads_by_source": leads_by_source,
        "stalled_count": stalled.count(),
        "stalled_after_days": queries.STALLED_AFTER.days,
        "stalled": [
            {
                "pk": stay["lead_id"],
                "first_name": stay["lead__first_name"],
                "last_name": stay["lead__last_name"],
                "stage": stay["stage__name"],
                "since": stay["entered_at"],
            }
            for stay in stalled.values(
                "lead_id", "lead__first_name", "lead__last_name", "stage__name", "entered_at"
            )[:5]
        ],  # fmt: skip
        "site_url": settings.SITE_URL,
    }


def send_digest(subscription: DigestSubscription, today) -> bool:
    user = subscription.user
    if not user.email or not user.is_active:
        return False
    context = digest_for(user, today)
    html = render_to_string("reports/digest_email.html", context)
    text = render_to_string("reports/digest_email.txt", context)
    email = EmailMultiAlternatives(
        subject=f"Your week in leads: {context['filters'].date_from:%b %-d} to {context['filters'].date_to:%b %-d}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    email.attach_alternative(html, "text/html")
    email.mixed_subtype = "related"
    chart = MIMEImage(bar_png(context["leads_by_source"] or [("No leads", 0)]), _subtype="png")
    chart.add_header("Content-ID", "<leads-by-source>")
    chart.add_header("Content-Disposition", "inline", filename="leads-by-source.png")
    email.attach(chart)
    email.send()
    return True


def send_due_digests(now: datetime | None = None) -> int:
    """For the worker's sweep: send each digest whose day and hour have come in the person's time zone, once a
    day (claimed by setting last_sent_on, so two workers never send it twice)."""
    now = now or timezone.now()
    sent = 0
    for subscription in DigestSubscription.objects.filter(is_active=True).select_related("user"):
        local = now.astimezone(_zone(subscription.user))
        if local.weekday() != subscription.weekday or local.hour < subscription.hour:
            continue
        claimed = (
            DigestSubscription.objects.filter(pk=subscription.pk)
            .exclude(last_sent_on=local.date())
            .update(last_sent_on=local.date())
        )
        if not claimed:
            continue
        try:
            sent += send_digest(subscription, local.date())
        except Exception:  # one person's failed digest must not stop the others; it is logged without content
            logger.exception("Weekly digest for user %s failed", subscription.user_id)
            DigestSubscription.objects.filter(pk=subscription.pk).update(last_sent_on=None)
    return sent
