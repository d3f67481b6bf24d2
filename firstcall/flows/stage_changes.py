"""A lead changes stage (the lead page, the board, a bulk action, a cadence step, or a closed lead reopened by a
new inquiry).

1. pipeline.services.move_stage checks the move, saves it (closed_at, lost reason), puts it on the timeline and
   emits lead.stage_changed;
2. then, in the same transaction, this module: cadences whose stop rules the new stage meets stop, and the lead
   is enrolled in cadences triggered by entering the new stage (cadences.services.on_stage_changed)."""

from firstcall.accounts.models import User
from firstcall.cadences import services as cadence_services
from firstcall.events.models import Event
from firstcall.leads.models import Lead, Stage


def after_stage_change(event: Event) -> dict:
    payload = event.payload
    if payload["how"] != "moved":
        # A closed lead reopened by a new inquiry is the lead-arrives journey's to handle (routing, enrolment).
        return {"skipped": payload["how"]}
    lead = Lead.objects.select_related("stage", "pipeline").get(pk=payload["lead_id"])
    old_stage = (
        Stage.objects.filter(pk=payload["from_stage_id"]).first() if payload["from_stage_id"] else None
    )
    new_stage = Stage.objects.get(pk=payload["to_stage_id"])
    actor = User.objects.filter(pk=payload["changed_by_id"]).first() if payload["changed_by_id"] else None
    cadence_services.on_stage_changed(lead, old_stage, new_stage, actor=actor)
    return {"lead": lead.pk}
