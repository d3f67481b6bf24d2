"""Chapter three: every planned delivery goes through capture(), then what it wrote is moved back to when it happened."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone

from firstcall.accounts.models import Organisation, User
from firstcall.flows.lead_arrives import lead_arrives as capture
from firstcall.leads.models import Channel, IdempotencyKey, IntakeRecord, Lead
from firstcall.leads.services import reject_intake
from firstcall.web.demo.borrowers import PlannedSubmission
from firstcall.web.demo.cast import FRESH_WINDOW, OFFICER_HOURS


@dataclass
class SeedSummary:
    organisation: Organisation
    leads: int = 0
    merged: int = 0
    duplicates: int = 0
    rejected: int = 0
    seconds: float = 0.0


class Capturing:
    def _capture_all(self, planned: list[PlannedSubmission], summary: SeedSummary) -> None:
        fresh_since = self.now - FRESH_WINDOW
        self._replaying_history(True)
        for item in planned:
            is_history = item.received_at < fresh_since
            if not is_history and self.in_history:
                self._replaying_history(False)
            source = self.sources[item.source_key]
            record = IntakeRecord.objects.create(
                organisation=self.organisation,
                source=source,
                channel=source.channel,
                received_at=item.received_at,
                method="POST",
                path=self.intake_paths[source.pk],
                content_type=item.content_type,
                headers={"content-type": item.content_type, **item.headers},
                body=item.body,
                body_size=len(item.body.encode()),
                remote_ip=item.remote_ip or None,
                is_signature_valid=item.is_signature_valid if source.channel != Channel.CSV else None,
            )
            if item.is_signature_valid is False:
                reject_intake(
                    record, reasons=["Missing or unknown API key (send it in the X-Api-Key header)."]
                )
                summary.rejected += 1
                continue
            capture_started = timezone.now()
            result = capture(
                item.submission, organisation=self.organisation, intake_record=record, source=source
            )
            if not result.is_accepted:
                summary.rejected += 1
                continue
            if result.is_replay:
                summary.duplicates += 1
                continue
            if result.outcome == "merged":
                summary.merged += 1
                Lead.objects.filter(pk=result.lead.pk).update(
                    last_inquiry_at=item.received_at, updated_at=item.received_at
                )
            else:
                summary.leads += 1
            if is_history:
                _backdate(result.lead, since=capture_started, to=item.received_at, read=True)
            else:
                _backdate(result.lead, since=capture_started, to=item.received_at, read=False)
        if self.in_history:
            self._replaying_history(False)
        # Processing took a fraction of a second after arrival, as it does for a live lead.
        for record in IntakeRecord.objects.filter(organisation=self.organisation).only("pk", "received_at"):
            IntakeRecord.objects.filter(pk=record.pk).update(
                processed_at=record.received_at + timedelta(milliseconds=self.clock.randint(40, 400))
            )
        for key in IdempotencyKey.objects.filter(organisation=self.organisation).select_related(
            "first_intake_record"
        ):
            IdempotencyKey.objects.filter(pk=key.pk).update(created_at=key.first_intake_record.received_at)
        self._forget_historical_alerts(fresh_since)

    def _replaying_history(self, on: bool) -> None:
        """While old leads are replayed, routing sees every officer available with no daily cap (those days
        are long over) and no first touch is sent (it was sent at the time). The last hour runs with the
        real settings, so the newest leads get routed, alerted and first-touched exactly as live ones are."""
        self.in_history = on
        officer_ids = [officer.pk for officer in self.officers]
        if on:
            User.objects.filter(pk__in=officer_ids).update(working_hours={}, daily_lead_cap=None)
        else:
            User.objects.filter(pk__in=officer_ids).update(working_hours=OFFICER_HOURS, daily_lead_cap=25)
        if hasattr(self.organisation, "first_touch_enabled"):
            self.organisation.first_touch_enabled = not on
            self.organisation.save(update_fields=["first_touch_enabled"])

    def _forget_historical_alerts(self, fresh_since: datetime) -> None:
        """Staff alert texts and emails for weeks-old leads would all go out now; they were handled then."""
        try:
            message_model = apps.get_model("messaging", "Message")
        except LookupError:
            return
        message_model.objects.filter(
            organisation=self.organisation, purpose="alert", lead__created_at__lt=fresh_since
        ).delete()

    # --- work: owners, first contact, stages, processors ---------------------------------------------------


# What capture() and the services it calls write with "now", moved to when it happened: (app, model, lead
# field, time field). Models that do not exist in this build are skipped.
_BACKDATED = [
    ("leads", "TimelineEvent", "lead", "created_at"),
    ("routing", "RoutingDecisionLog", "lead", "decided_at"),
    ("leads", "LeadScore", "lead", "computed_at"),
    ("accounts", "Notification", "lead", "created_at"),
]


def _backdate(lead: Lead, *, since: datetime, to: datetime, read: bool) -> None:
    """Move what was just written for `lead` (at or after `since`) to the moment it happened in the story.
    Messages are left alone: their times drive delivery, and historical alerts are removed instead."""
    for app_label, model_name, lead_field, time_field in _BACKDATED:
        try:
            model = apps.get_model(app_label, model_name)
            model._meta.get_field(time_field)
        except (LookupError, FieldDoesNotExist):
            continue
        changes = {time_field: to}
        if model_name == "Notification" and read:
            changes["read_at"] = to + timedelta(minutes=2)
        model.objects.filter(**{lead_field: lead, f"{time_field}__gte": since}).update(**changes)
    Lead.objects.filter(pk=lead.pk, assigned_at__gte=since).update(assigned_at=to + timedelta(seconds=25))
