"""Chapter five: each loan officer's day: replies waiting, tasks (one overdue), appointments."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from firstcall.leads.models import Lead, Stage, TimelineEvent
from firstcall.leads.services import count_reply
from firstcall.web.demo.borrowers import BORROWER_REPLIES, FILE_NOTES, OFFICER_TASKS


class TodaysWork:
    def _add_the_days_work(self) -> None:
        """What a working team leaves behind: logged calls and notes on the files, borrowers' texts waiting
        for an answer, follow-ups (one overdue) and today's appointments, so each officer's My day, the tasks
        page and the lead timelines show a real day rather than empty sections."""
        from firstcall.messaging.models import Message
        from firstcall.pipeline.models import Note, Task

        rng = self.rng
        worked = (
            Lead.objects.filter(
                organisation=self.organisation,
                stage__outcome=Stage.Outcome.OPEN,
                first_human_contact_at__isnull=False,
                owner__isnull=False,
            )
            .select_related("owner")
            .order_by("-updated_at", "-pk")
        )
        by_owner: dict[int, list[Lead]] = {}
        for lead in worked:
            by_owner.setdefault(lead.owner_id, []).append(lead)
        events: list[TimelineEvent] = []
        tasks: list[Task] = []
        for officer in self.officers:
            leads = by_owner.get(officer.pk, [])
            if not leads:
                continue
            for lead in leads:
                called_at = lead.first_human_contact_at
                events.append(
                    TimelineEvent(lead=lead, kind=TimelineEvent.Kind.CALL, actor=officer, created_at=called_at,
                                  summary="Call: talked to the borrower",
                                  data={"outcome": "connected", "notes": "", "phone": lead.phone,
                                        "at": called_at.isoformat()}))  # fmt: skip
                if rng.random() < 0.5:
                    written_at = min(self.now, called_at + timedelta(minutes=rng.randint(5, 90)))
                    body = rng.choice(FILE_NOTES)
                    note = Note.objects.create(lead=lead, author=officer, body=body, created_at=written_at)
                    events.append(
                        TimelineEvent(lead=lead, kind=TimelineEvent.Kind.NOTE, actor=officer, created_at=written_at,
                                      summary=f"Note: {body[:200]}", data={"note_id": note.pk, "mentions": []})
                    )  # fmt: skip
            # The two files most recently worked have a text from the borrower nobody has answered yet.
            for lead, text in zip(leads[:2], rng.sample(BORROWER_REPLIES, 2), strict=False):
                received_at = self.now - timedelta(minutes=rng.randint(12, 240))
                message = Message.objects.create(
                    organisation=self.organisation, lead=lead, channel="sms",
                    direction=Message.Direction.INBOUND, purpose=Message.Purpose.REPLY,
                    to_address=self.organisation.sms_from_number or "", from_address=lead.phone, body=text,
                    status=Message.Status.RECEIVED, idempotency_key=f"demo-reply-{lead.pk}",
                    created_at=received_at, updated_at=received_at,
                )  # fmt: skip
                count_reply(lead.pk)  # the borrower's engagement, as an inbound reply counts it
                events.append(
                    TimelineEvent(lead=lead, kind=TimelineEvent.Kind.MESSAGE, created_at=received_at,
                                  summary="Text received from the borrower",
                                  data={"message_id": message.pk, "direction": "inbound", "channel": "sms",
                                        "keyword": ""})
                )  # fmt: skip
            today = self.now.astimezone(ZoneInfo(officer.time_zone)).replace(hour=0, minute=0, second=0)
            for index, (title, kind, due) in enumerate(OFFICER_TASKS):
                due_at = None if due is None else today + timedelta(days=due[0], hours=due[1])
                tasks.append(
                    Task(organisation=self.organisation, lead=leads[(index + 2) % len(leads)], title=title,
                         kind=kind, assignee=officer, created_by=officer, due_at=due_at,
                         created_at=self.now - timedelta(days=rng.randint(1, 5)))
                )  # fmt: skip
        TimelineEvent.objects.bulk_create(events, batch_size=500)
        Task.objects.bulk_create(tasks)
