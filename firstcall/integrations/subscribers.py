"""What the integrations app does when something happens elsewhere: each domain event becomes webhook messages for
the organisation's subscriptions that chose its webhook type (written in the dispatch transaction, once per event
and subscription). Listed in settings.EVENT_SUBSCRIBERS; see docs/events.md and docs/integrations.md."""

from firstcall.integrations.webhooks import services as webhooks


def _forward(webhook_type, event) -> dict:
    if event.organisation_id is None:
        return {"messages": 0}
    data = {"event_id": event.pk, **event.payload}
    messages = webhooks.queue(event.organisation_id, webhook_type, data, event_id=event.pk,
                              occurred_at=event.occurred_at)  # fmt: skip
    return {"webhook_type": webhook_type, "messages": len(messages)}


def lead_captured(event) -> dict:
    return _forward("lead.created" if event.payload.get("is_new_lead") else "lead.inquiry", event)


def lead_assigned(event) -> dict:
    return _forward("lead.assigned", event)


def lead_stage_changed(event) -> dict:
    return _forward("lead.stage_changed", event)


def consent_revoked(event) -> dict:
    return _forward("lead.opted_out", event)


def message_received(event) -> dict:
    return _forward("message.received", event)


def task_due(event) -> dict:
    return _forward("task.due", event)


def document_reviewed(event) -> dict:
    return _forward("document.reviewed", event)


def loan_milestone(event) -> dict:
    return _forward("loan.milestone", event)


def loan_funded(event) -> dict:
    return _forward("loan.funded", event)


SUBSCRIBERS = {
    "lead.captured": [lead_captured],
    "lead.assigned": [lead_assigned],
    "lead.stage_changed": [lead_stage_changed],
    "consent.revoked": [consent_revoked],
    "message.received": [message_received],
    "task.due": [task_due],
    "loan.milestone": [loan_milestone],
    "loan.funded": [loan_funded],
    "document.reviewed": [document_reviewed],
}
