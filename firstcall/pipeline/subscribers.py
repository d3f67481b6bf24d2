"""What the pipeline does when something happens elsewhere. Listed in settings.EVENT_SUBSCRIBERS; docs/events.md."""

from datetime import datetime

from django.utils import timezone

from firstcall.accounts.models import User
from firstcall.leads.models import Lead, Stage
from firstcall.pipeline.models import Task
from firstcall.pipeline.services import StageMoveRefused, move_stage
from firstcall.pipeline.tasks_service import TaskRefused, create_task


def move_to_milestone_stage(event) -> dict:
    """The loan origination system reported a milestone: move the lead to the stage of that name in its pipeline
    (the Won/Lost stage for funded/withdrawn/denied when the pipeline names them otherwise). Open stages only move
    forward, so a late report of an earlier milestone does not pull the lead back."""
    lead = Lead.objects.select_related("stage").filter(pk=event.payload["lead_id"]).first()
    if lead is None:
        return {"moved": False, "why": "the lead no longer exists"}
    name, lost_reason = event.payload["stage_name"], event.payload["lost_reason"]
    stages = Stage.objects.filter(pipeline_id=lead.pipeline_id)
    stage = stages.filter(name__iexact=name).first()
    if stage is None and name in ("Closed", "Lost"):
        stage = stages.filter(outcome=Stage.Outcome.WON if name == "Closed" else Stage.Outcome.LOST).first()
    if stage is None:
        return {"moved": False, "why": f"the {lead.pipeline.name} pipeline has no stage {name!r}"}
    if (
        stage.outcome == Stage.Outcome.OPEN
        and not lead.stage.is_closed
        and stage.position <= lead.stage.position
    ):
        return {"moved": False, "why": f"already at {lead.stage.name}"}
    try:
        moved = move_stage(lead, stage, actor=None, lost_reason=lost_reason)
    except StageMoveRefused as refused:
        return {"moved": False, "why": refused.message}
    return {"moved": moved, "stage": stage.name}


def appointment_task(event) -> dict:
    """A booked call is an Appointment task for the loan officer on the lead; a reschedule moves it, a
    cancellation completes it. The task notes carry the appointment id, which is how it is found again."""
    payload = event.payload
    marker = f"appointment #{payload['appointment_id']}"
    existing = Task.objects.filter(
        lead_id=payload["lead_id"], kind=Task.Kind.APPOINTMENT, notes__startswith=marker
    )
    starts_at = datetime.fromisoformat(payload["starts_at"])
    if payload["status"] == "cancelled":
        return {"completed": existing.filter(completed_at__isnull=True).update(completed_at=timezone.now())}
    if existing.exists():
        return {"moved": existing.update(due_at=starts_at, reminder_sent_at=None)}
    lead = Lead.objects.filter(pk=payload["lead_id"]).select_related("organisation").first()
    officer = User.objects.filter(pk=payload["assigned_to_id"]).first()
    if lead is None or officer is None:
        return {"created": False, "why": "the lead or the loan officer no longer exists"}
    try:
        task = create_task(lead.organisation, title=f"Call with {lead.full_name or 'borrower'} (booked)",
                           created_by=officer, assignee=officer, lead=lead, due_at=starts_at,
                           kind=Task.Kind.APPOINTMENT, notes=f"{marker}, booked on the booking page")  # fmt: skip
    except TaskRefused as refused:
        return {"created": False, "why": str(refused)}
    return {"created": True, "task_id": task.pk}


SUBSCRIBERS = {
    "loan.milestone": [move_to_milestone_stage],
    "appointment.booked": [appointment_task],
}
