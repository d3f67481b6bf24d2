"""Chapter four: older leads worked along their pipelines (calls, notes, stage moves, losses)."""

from datetime import timedelta

from django.utils import timezone

from firstcall.accounts.models import User
from firstcall.leads.models import Lead, Stage, TimelineEvent
from firstcall.web.demo.borrowers import LOST_REASONS
from firstcall.web.demo.capturing import _backdate
from firstcall.web.demo.cast import FRESH_WINDOW

# How fast each loan officer makes the first call (weights of: within 5 minutes, 6-40 minutes, 1-6 hours) and how
# their leads fund compared with the others': Olivia calls at once and funds more, Daniel calls late and funds less,
# so the speed-to-lead report shows the lender's own "answer within minutes" story.
OFFICER_SPEED = {"olivia": ([92, 6, 2], 1.3), "daniel": ([30, 40, 30], 0.6), None: ([72, 20, 8], 1.0)}
# Per source (firstcall/web/demo/sources.py): how much likelier its leads are to fund and to be lost. The free website
# and open-house leads convert best; the cheap social leads and the dear exchange leads worst, so cost per funded
# loan differs from cost per lead.
SOURCE_OUTCOMES = {
    "website": (1.4, 0.8), "open_house": (1.5, 0.7), "marketplace": (1.0, 1.0), "google": (0.9, 1.0),
    "meta": (0.45, 1.4), "exchange": (0.7, 1.2),
}  # fmt: skip


class PipelineWork:
    def _work_the_pipeline(self) -> None:
        from firstcall.routing.services import assign_lead, record_human_contact

        rng = self.rng
        stages_by_pipeline: dict[int, list[Stage]] = {}
        for stage in Stage.objects.filter(pipeline__organisation=self.organisation).order_by("position"):
            stages_by_pipeline.setdefault(stage.pipeline_id, []).append(stage)
        processor = self.users["processor"]
        events: list[TimelineEvent] = []
        source_keys = {source.pk: key for key, source in self.sources.items()}
        leads = list(
            Lead.objects.filter(organisation=self.organisation)
            .select_related("stage", "owner")
            .order_by("created_at")
        )
        for lead in leads:
            age_days = (self.now - lead.created_at).total_seconds() / 86400
            if age_days * 86400 < FRESH_WINDOW.total_seconds():
                continue  # the newest leads stay exactly as routing and first touch left them
            owner = lead.owner
            if owner is None:
                # Routing could not place it back then (e.g. an offer nobody claimed): a manager assigned it.
                owner = self._owner_for(lead)
                if owner is None:
                    continue
                started = timezone.now()
                assigned_at = lead.created_at + timedelta(minutes=rng.randint(8, 50))
                assign_lead(
                    lead,
                    owner,
                    reason=f"assigned by a manager (licensed in {lead.state})",
                    now=assigned_at,
                    actor=self.users["manager"],
                    via="manager",
                    alert=False,
                )
                _backdate(lead, since=started, to=assigned_at, read=True)
            stages = stages_by_pipeline[lead.pipeline_id]
            open_stages = [stage for stage in stages if not stage.is_closed]
            won = next(stage for stage in stages if stage.outcome == Stage.Outcome.WON)
            lost = next(stage for stage in stages if stage.outcome == Stage.Outcome.LOST)
            # Older leads are further along; a few recent ones are still waiting for a first call.
            reach = min(len(open_stages) - 1, int(age_days / 60 * len(open_stages) * rng.uniform(0.4, 1.4)))
            if age_days > 1 or rng.random() < 0.85:
                reach = max(reach, 1)
            steps = open_stages[1 : reach + 1]
            target = open_stages[reach]
            roll = rng.random()
            # The reports' story: sources differ in what their leads become, and the fast officer closes more.
            won_more, lost_more = SOURCE_OUTCOMES.get(source_keys.get(lead.source_id), (1.0, 1.0))
            speed = OFFICER_SPEED.get(owner.username, OFFICER_SPEED[None])
            lost_chance = min(0.32, age_days / 90 * 0.4) * lost_more
            won_chance = (
                (0.0 if age_days < 24 else min(0.35, (age_days - 24) / 66 * 0.45)) * won_more * speed[1]
            )
            if roll < lost_chance and age_days > 2:
                steps.append(lost)
                target = lost
            elif roll < lost_chance + won_chance:
                steps = open_stages[1:] + [won]
                target = won
            if steps:
                # Most first calls land within the five-minute SLA; some do not (the reports show which).
                delay = rng.choices(
                    [rng.uniform(0.5, 4.5), rng.uniform(6, 40), rng.uniform(60, 360)], speed[0]
                )[0]
                contacted_at = lead.created_at + timedelta(minutes=delay)
                started = timezone.now()
                record_human_contact(lead, at=contacted_at, actor=owner, how="call connected")
                _backdate(lead, since=started, to=contacted_at, read=True)
            else:
                contacted_at = lead.created_at
            lead.stage = target
            if target.outcome == Stage.Outcome.LOST:
                lead.lost_reason = rng.choice(LOST_REASONS)
            if target.position >= 5 and target.outcome != Stage.Outcome.LOST:
                lead.processor = processor
            # Spread the stage moves between the first call and (for finished files) the closing date.
            span_end = min(
                self.now, lead.created_at + timedelta(days=max(age_days * rng.uniform(0.6, 0.95), 0.02))
            )
            previous = open_stages[0]
            for number, stage in enumerate(steps):
                # "Contacted" is the first call itself; later steps spread out towards the end of the file.
                moved_at = contacted_at + (span_end - contacted_at) * (number / max(len(steps) - 1, 1))
                summary = f"Stage: {previous.name} → {stage.name}"
                if stage.outcome == Stage.Outcome.LOST:
                    summary += f" ({lead.lost_reason})"
                events.append(
                    TimelineEvent(
                        lead=lead,
                        kind=TimelineEvent.Kind.STAGE_CHANGED,
                        actor=owner,
                        created_at=moved_at,
                        summary=summary,
                        data={
                            "from": previous.name,
                            "to": stage.name,
                            "from_stage_id": previous.pk,
                            "to_stage_id": stage.pk,
                        },
                    )
                )
                previous = stage
                lead.updated_at = moved_at
            if target.is_closed:
                lead.closed_at = lead.updated_at
        Lead.objects.bulk_update(
            leads, ["stage", "lost_reason", "processor", "closed_at", "updated_at"], batch_size=200
        )
        TimelineEvent.objects.bulk_create(events, batch_size=500)

    # --- the day's work: calls, notes, replies waiting, tasks and appointments ----------------------------
    def _owner_for(self, lead: Lead) -> User | None:
        licensed = [officer for officer in self.officers if lead.state in officer.licensed_states]
        if lead.preferred_language != "en":
            speakers = [officer for officer in licensed if lead.preferred_language in officer.languages]
            licensed = speakers or licensed
        return self.rng.choice(licensed) if licensed else None
