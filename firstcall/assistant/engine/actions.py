"""What to do about a reply, decided from its reading and the organisation's choices. Pure: the journey in
firstcall/flows applies each planned action through the app that owns it and writes it on the lead's timeline."""

from dataclasses import dataclass
from datetime import datetime, timedelta

# An action per intent; each can be switched off per organisation (AssistantSettings.actions_enabled).
CALL_TASK = "call_task"
SEND_BOOKING_LINK = "send_booking_link"
PAUSE_AND_RESTART = "pause_cadences_until"
STOP_AND_LOSE = "stop_cadences_and_mark_lost"
ALERT_WITH_SUGGESTION = "alert_with_suggested_answer"
CHECK_DOCUMENTS = "check_documents"
REVOKE_NUMBER = "revoke_consent_for_number"
ALERT = "alert_loan_officer"

ACTIONS_BY_INTENT = {
    "callback_request": CALL_TASK,
    "appointment_request": SEND_BOOKING_LINK,
    "not_now": PAUSE_AND_RESTART,
    "not_interested": STOP_AND_LOSE,
    "closed_elsewhere": STOP_AND_LOSE,
    "rate_question": ALERT_WITH_SUGGESTION,
    "document_update": CHECK_DOCUMENTS,
    "wrong_number": REVOKE_NUMBER,
    "question": ALERT,
    "interested": ALERT,
}
ACTION_LABELS = {
    CALL_TASK: "Call task at the time the borrower asked for (inside the calling window)",
    SEND_BOOKING_LINK: "Offer the loan officer's booking link",
    PAUSE_AND_RESTART: "Pause follow-up and restart it on the date the borrower gave",
    STOP_AND_LOSE: "Stop follow-up and mark the lead lost with the reason",
    ALERT_WITH_SUGGESTION: "Alert the loan officer with a suggested answer",
    CHECK_DOCUMENTS: "Ask the loan officer to check the documents",
    REVOKE_NUMBER: "Revoke consent for this number and flag the lead",
    ALERT: "Alert the loan officer",
}
LOST_REASONS = {
    "not_interested": "Not interested (the borrower's reply)",
    "closed_elsewhere": "Closed with another lender",
}
# Without a date the borrower named, follow-up resumes after about a quarter.
DEFAULT_RESTART = timedelta(days=90)
# Without a time the borrower named, the call is set for an hour after the reply (then moved into the window).
DEFAULT_CALLBACK_DELAY = timedelta(hours=1)


@dataclass(frozen=True)
class PlannedAction:
    kind: str
    intent: str
    detail: str
    at: datetime | None = None
    lost_reason: str = ""


def plan_actions(
    intent: str, when: datetime | None, received_at: datetime, enabled: dict[str, bool]
) -> list[PlannedAction]:
    """The action for this intent, unless the organisation switched it off. `when` is the parsed time, if any."""
    kind = ACTIONS_BY_INTENT.get(intent)
    if kind is None or not enabled.get(intent, True):
        return []
    if kind == CALL_TASK:
        at = when or received_at + DEFAULT_CALLBACK_DELAY
        said = "at the time they asked for" if when else "within the hour (no time given)"
        return [PlannedAction(kind, intent, f"The borrower asked for a call; call {said}.", at)]
    if kind == PAUSE_AND_RESTART:
        at = when or received_at + DEFAULT_RESTART
        said = "on the date they gave" if when else "in about three months (no date given)"
        return [PlannedAction(kind, intent, f"The borrower is not ready; follow-up resumes {said}.", at)]
    if kind == STOP_AND_LOSE:
        reason = LOST_REASONS[intent]
        return [PlannedAction(kind, intent, f"{reason}: follow-up stopped.", None, lost_reason=reason)]
    details = {
        SEND_BOOKING_LINK: "The borrower wants to meet: offer the booking link.",
        ALERT_WITH_SUGGESTION: "The borrower asked about rates: a suggested answer is ready for the loan officer.",
        CHECK_DOCUMENTS: "The borrower says documents were sent: check them.",
        REVOKE_NUMBER: "Wrong number: consent for this number is revoked and the lead is flagged.",
        ALERT: "The borrower replied and is waiting for the loan officer.",
    }
    return [PlannedAction(kind, intent, details[kind], when)]
