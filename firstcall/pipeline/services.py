from firstcall.events.outbox import emit
from firstcall.leads.models import Stage, TimelineEvent
from firstcall.leads.timeline import record_event

# ------------------------------------------------------------------------------------------- stage moves


class StageMoveRefused(Exception):
    """A stage move that must not happen; `field` names the form field to blame, when there is one."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def move_stage(lead, stage: Stage, actor=None, lost_reason: str = "", *, now=None) -> bool:
    """Move a lead to another stage of its pipeline: the board, the list's bulk action and the lead page all
    come here. `actor` None means the system (a cadence step); a person must be allowed to move the lead
    (pipeline.access.can_move_lead). Moving to a Lost stage needs a reason. Returns False when the lead is
    already in that stage (nothing is written); raises StageMoveRefused, having changed nothing, otherwise.

    Sets closed_at when the stage closes the lead (won or lost) and clears it when the lead reopens, records
    the move on the timeline and emits lead.stage_changed, on which the cadences react in the same transaction
    (stop rules, stage-triggered enrolment: firstcall/flows/stage_changes.py)."""
    from django.db import transaction
    from django.utils import timezone

    from firstcall.leads.models import Lead
    from firstcall.pipeline.access import can_move_lead

    if stage.pipeline_id != lead.pipeline_id:
        raise StageMoveRefused("That stage belongs to another pipeline.", field="stage")
    if actor is not None and not can_move_lead(actor, lead):
        raise StageMoveRefused("You may not move this lead.")
    lost_reason = " ".join((lost_reason or "").split())[:200]
    if stage.outcome == Stage.Outcome.LOST and not lost_reason:
        raise StageMoveRefused("Say why the lead was lost.", field="lost_reason")
    now = now or timezone.now()
    with transaction.atomic():
        # The row lock makes two people moving the same card at once take turns, so each timeline event
        # names the stage the lead really left. No join in the locking query: on PostgreSQL a joined
        # SELECT ... FOR UPDATE that waited for a concurrent move re-checks the join against the old stage
        # row and finds nothing.
        current_stage_id = Lead.objects.select_for_update().values_list("stage_id", flat=True).get(pk=lead.pk)
        if current_stage_id == stage.pk:
            return False
        old_stage = Stage.objects.get(pk=current_stage_id)
        fields = {
            "stage": stage,
            "updated_at": now,
            "closed_at": now if stage.is_closed else None,
            "lost_reason": lost_reason if stage.outcome == Stage.Outcome.LOST else "",
        }
        Lead.objects.filter(pk=lead.pk).update(**fields)
        for name, value in fields.items():
            setattr(lead, name, value)
        summary = f"Stage changed from {old_stage.name} to {stage.name}"
        if lost_reason and stage.outcome == Stage.Outcome.LOST:
            summary += f": {lost_reason}"
        record_event(
            lead,
            TimelineEvent.Kind.STAGE_CHANGED,
            summary,
            actor=actor,
            data={
                "from": old_stage.name,
                "to": stage.name,
                "from_stage_id": old_stage.pk,
                "to_stage_id": stage.pk,
                "lost_reason": fields["lost_reason"],
            },
        )
        emit(
            "lead.stage_changed",
            organisation_id=lead.organisation_id,
            lead_id=lead.pk,
            from_stage_id=old_stage.pk,
            to_stage_id=stage.pk,
            stage_kind=stage.outcome,
            changed_by_id=getattr(actor, "pk", None),
            how="moved",
        )
    return True
