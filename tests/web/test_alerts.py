"""Alerts clear themselves when their condition ends; one can be dismissed; the strip shows three and a count."""

from firstcall.accounts.models import Notification
from firstcall.accounts.notifications import notify
from firstcall.pipeline.tasks_service import complete_task, create_task
from firstcall.routing.models import LeadOffer
from firstcall.routing.services import record_human_contact
from firstcall.web import alerts


def test_each_kind_of_alert_clears_when_its_condition_ends(organisation, owner, teammate, make_lead):
    answered, offered, tasked = make_lead(owner), make_lead(owner), make_lead(owner)
    notify(owner, kind="new_lead", title="New lead", lead=answered)
    notify(owner, kind="sla", title="Overdue", lead=answered)
    offer = LeadOffer.objects.create(lead=offered, user=owner, kind="claim")
    notify(owner, kind="claim", title="Claim", lead=offered)
    task = create_task(organisation, title="Call back", created_by=owner, assignee=owner, lead=tasked)
    notify(owner, kind="task_due", title="Due", lead=tasked)
    assert alerts.clear_finished(owner) == 0

    record_human_contact(answered, actor=owner, how="connected call")
    LeadOffer.objects.filter(pk=offer.pk).update(status="withdrawn")
    complete_task(task, actor=owner)
    assert alerts.clear_finished(owner) == 4
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()


def test_the_strip_shows_three_and_a_count_and_one_can_be_dismissed(owner, make_lead, signed_in):
    lead = make_lead(owner)
    made = [notify(owner, kind="new_lead", title=f"New lead {number}", lead=lead) for number in range(5)]
    client = signed_in(owner)
    html = client.get("/notifications/").content.decode()
    assert html.count('class="alert alert-') == 3 and "2 more alerts" in html
    client.post(f"/notifications/{made[0].pk}/dismiss/", HTTP_HX_REQUEST="true")
    made[0].refresh_from_db()
    assert made[0].read_at is not None
    assert Notification.objects.filter(user=owner, read_at__isnull=True).count() == 4
    assert "New lead 4" in client.get("/notifications/all/").content.decode()


def test_nobody_dismisses_another_persons_alert(owner, teammate, make_lead, signed_in):
    alert = notify(owner, kind="new_lead", title="New lead", lead=make_lead(owner))
    signed_in(teammate).post(f"/notifications/{alert.pk}/dismiss/")
    alert.refresh_from_db()
    assert alert.read_at is None
