"""What the pipeline does when something happens elsewhere. Listed in settings.EVENT_SUBSCRIBERS; docs/events.md."""

from firstcall.leads.models import Lead
from firstcall.pipeline.models import Stage
from firstcall.pipeline.services import StageMoveRefused, move_stage


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


SUBSCRIBERS = {
    "loan.milestone": [move_to_milestone_stage],
}
