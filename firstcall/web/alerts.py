"""The alert strip on every page and the notifications list.

An alert clears itself when what it asked for has happened: a new or overdue lead was answered by a person,
an offer was taken or withdrawn, a lead waiting for an owner got one, a task was done. Each unread alert can be
dismissed on its own; beyond three, the strip shows a count and a link to the list, so alerts never push the
page's content off a phone screen."""

from django.db.models import QuerySet
from django.utils import timezone

from firstcall.accounts.models import Notification
from firstcall.pipeline.models import Task
from firstcall.routing.models import LeadOffer

SHOWN = 3
# Alert kinds about a lead waiting for a person's first contact.
WAITING_FOR_CONTACT = {"new_lead", "sla", "handover_none", "unassigned"}
OFFER_KINDS = {"offer", "claim"}
TASK_KINDS = {"task_due", "task_assigned"}
SCAN = 50  # unread alerts checked per refresh; older ones are in the list


def _unread(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, read_at__isnull=True)


def clear_finished(user, now=None) -> int:
    """Mark as read the unread alerts whose condition has ended. Three queries, whatever the number of alerts."""
    now = now or timezone.now()
    alerts = list(
        _unread(user)
        .select_related("lead")
        .only("id", "kind", "lead__id", "lead__owner_id", "lead__first_human_contact_at", "lead__closed_at")
        .order_by("-created_at", "-id")[:SCAN]
    )
    if not alerts:
        return 0
    lead_ids = {alert.lead_id for alert in alerts if alert.lead_id}
    open_offers = set(
        LeadOffer.objects.filter(user=user, status=LeadOffer.Status.OPEN, lead_id__in=lead_ids).values_list(
            "lead_id", flat=True
        )
    )
    task_leads = {alert.lead_id for alert in alerts if alert.kind in TASK_KINDS and alert.lead_id}
    open_task_leads = set()
    if task_leads:
        open_task_leads = set(
            Task.objects.filter(assignee=user, completed_at__isnull=True, lead_id__in=task_leads).values_list(
                "lead_id", flat=True
            )
        )
    finished = []
    for alert in alerts:
        lead = alert.lead
        if lead is None:
            continue
        if alert.kind == "unassigned":
            done = lead.owner_id is not None or lead.closed_at is not None
        elif alert.kind in WAITING_FOR_CONTACT:
            done = lead.first_human_contact_at is not None or lead.closed_at is not None
        elif alert.kind in OFFER_KINDS:
            done = lead.pk not in open_offers
        elif alert.kind in TASK_KINDS:
            done = lead.pk not in open_task_leads
        else:
            done = False
        if done:
            finished.append(alert.pk)
    if finished:
        Notification.objects.filter(pk__in=finished, read_at__isnull=True).update(read_at=now)
    return len(finished)


def strip(user) -> dict:
    """What the alert strip shows: the newest three unread alerts and how many more there are."""
    clear_finished(user)
    unread = list(_unread(user).select_related("lead").order_by("-created_at", "-id")[: SHOWN + 1])
    total = len(unread) if len(unread) <= SHOWN else _unread(user).count()
    return {"unread": unread[:SHOWN], "more": max(0, total - SHOWN), "total": total}


def dismiss(user, notification_id: int) -> bool:
    return bool(_unread(user).filter(pk=notification_id).update(read_at=timezone.now()))
