"""Every event name, its payload fields and their types: the contract subscribers (and, later, outbound webhooks,
report rollups and the assistant) rely on. Documented for readers in docs/events.md; tests check the two agree.

Payloads carry ids and facts (numbers, codes, flags), never message bodies or other personal data, so the events
table can be kept and shared with integrations without widening who sees borrower details.
Add an event here, document it in docs/events.md, then `emit()` it in the service that makes the change."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class EventType:
    name: str
    emitted_when: str
    fields: dict[str, type | object] = field(default_factory=dict)


def _catalogue(*types: EventType) -> dict[str, EventType]:
    return {event_type.name: event_type for event_type in types}


CATALOGUE: dict[str, EventType] = _catalogue(
    EventType(
        "lead.captured",
        "a submission from any channel was accepted as a new lead or merged into an open one",
        {
            "lead_id": int,
            "inquiry_id": int | None,
            "source_id": int | None,
            "channel": str,
            "is_new_lead": bool,
        },
    ),
    EventType(
        "lead.assigned",
        "a lead got a loan officer (routing, a claim, an accepted offer or a manual reassignment)",
        {"lead_id": int, "assigned_to_id": int, "previous_assignee_id": int | None, "how": str},
    ),
    EventType(
        "lead.stage_changed",
        "a lead moved to another pipeline stage",
        {
            "lead_id": int,
            "from_stage_id": int | None,
            "to_stage_id": int,
            "stage_kind": str,
            "changed_by_id": int | None,
            "how": str,
        },
    ),
    EventType(
        "lead.erased",
        "a lead was erased at the borrower's request (the lead's own rows go with it)",
        {"lead_id": int, "intake_record_ids": list},
    ),
    EventType(
        "message.received",
        "a borrower's text or email reply was stored against a lead",
        {"message_id": int, "lead_id": int | None, "channel": str, "keyword": str},
    ),
    EventType(
        "message.sent",
        "the provider accepted a message to a borrower (first touch, cadence step, or one a person wrote)",
        {"message_id": int, "lead_id": int | None, "channel": str, "purpose": str, "sent_by_id": int | None},
    ),
    EventType(
        "address.opted_out",
        "a borrower's phone number or email address was opted out (STOP, unsubscribe, a person, a bounce, DNC)",
        {"channel": str, "reason": str, "lead_ids": list},
    ),
    EventType(
        "consent.revoked",
        "a borrower withdrew consent for a channel (STOP reply, unsubscribe link, or by hand)",
        {"lead_id": int, "channel": str, "how": str},
    ),
    EventType(
        "loan.milestone",
        "the loan origination system reported a milestone of a lead's loan (integrations.los)",
        {"lead_id": int, "los_event_id": int, "milestone": str, "stage_name": str, "lost_reason": str},
    ),
    EventType(
        "portal.milestone_recorded",
        "a loan officer issued a pre-approval letter or recorded a purchase contract date (portals.partners)",
        {"lead_id": int, "milestone": str},
    ),
    EventType(
        "loan.funded",
        "the loan origination system reported a lead's loan funded, with the amount and date",
        {"lead_id": int, "los_event_id": int, "funded_amount": str, "funded_on": str},
    ),
    EventType(
        "appointment.booked",
        "a borrower booked a call with a loan officer (integrations calendar), or it was rescheduled or cancelled",
        {"lead_id": int, "appointment_id": int, "assigned_to_id": int, "starts_at": str, "status": str},
    ),
    EventType(
        "task.due",
        "a follow-up task reached its due time (its reminder went out)",
        {"task_id": int, "lead_id": int | None, "assigned_to_id": int | None},
    ),
    EventType(
        "staff.alert_requested",
        "a person's in-app notification asked for a copy by text and/or email (accounts.notifications.notify)",
        {"notification_id": int, "user_id": int, "lead_id": int | None, "by_sms": bool, "by_email": bool},
    ),
    EventType(
        "document.reviewed",
        "a loan officer finished reviewing a borrower document's extracted fields",
        {
            "document_id": int,
            "lead_id": int,
            "document_type": str,
            "accepted_fields": int,
            "corrected_fields": int,
            "rejected_fields": int,
            "reviewed_by_id": int | None,
        },
    ),
    EventType(
        "organisation.created",
        "a new organisation (a lender) was set up, from a command, the admin or the demo's seeding",
        {},
    ),
)


class InvalidEvent(ValueError):
    """An emit() whose name or payload does not match the catalogue: a programming error, raised before writing."""


def check_payload(name: str, payload: dict) -> None:
    event_type = CATALOGUE.get(name)
    if event_type is None:
        raise InvalidEvent(
            f"Unknown event {name!r}; add it to firstcall/events/catalogue.py and docs/events.md"
        )
    missing = event_type.fields.keys() - payload.keys()
    extra = payload.keys() - event_type.fields.keys()
    if missing or extra:
        raise InvalidEvent(f"{name}: missing fields {sorted(missing)}, unexpected fields {sorted(extra)}")
    for field_name, expected in event_type.fields.items():
        value = payload[field_name]
        # bool is an int in Python; an id must not be True.
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):  # type: ignore[arg-type]
            raise InvalidEvent(f"{name}: {field_name} must be {expected}, got {type(value).__name__}")
