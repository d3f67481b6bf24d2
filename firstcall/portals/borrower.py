"""What the borrower portal shows, decided here: the loan's progress in the borrower's words, and the consent
wording the borrower agrees to on the preferences page. Whose file a session may open is portals.access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# --- The loan's progress --------------------------------------------------------------------------------------

# The pipeline's stage names (pipeline.services.DEFAULT_STAGES, HELOC_STAGES) in the borrower's words. A stage an
# organisation added under another name is shown under its own name; "Lost" is never shown (see `progress`).
STEP_WORDS = {
    "New": ("Getting started", "We have your request and your loan officer will be in touch."),
    "Contacted": ("Talking with your loan officer", "You and your loan officer are in touch."),
    "Qualified": ("Pre-qualified", "Your loan officer has looked at the figures you shared."),
    "Pre-approved": ("Pre-approved", "You have a pre-approval to shop with."),
    "Application": ("Application received", "Your loan application is in."),
    "Processing": ("Processing", "Your file is being put together and your disclosures sent."),
    "Underwriting": ("Underwriting", "An underwriter is reviewing your file."),
    "Clear to close": ("Clear to close", "Everything is approved; your closing is being scheduled."),
    "Closed": ("Closed", "Your loan has closed. Congratulations!"),
}
# The loan origination system's "approved" milestone (integrations.los.MILESTONES) has no stage of its own
# (it keeps the lead in Underwriting); the borrower sees it as a step after underwriting.
APPROVED_STEP = ("Approved with conditions", "Your loan is approved; a few conditions remain before closing.")
# Each LOS milestone -> the stage it means (integrations.los.STAGE_FOR_MILESTONE), for the steps it completes.
# Withdrawn and denied are not steps: the borrower never sees them here.
MILESTONE_STAGE = {
    "application_taken": "Application",
    "disclosed": "Processing",
    "submitted_to_underwriting": "Underwriting",
    "approved": "Underwriting",
    "clear_to_close": "Clear to close",
    "funded": "Closed",
}


@dataclass(frozen=True)
class Step:
    title: str
    detail: str
    state: str  # "done", "current" or "upcoming"
    at: datetime | None = None


@dataclass(frozen=True)
class Progress:
    steps: list[Step]
    active: bool  # False when the file is closed without a loan: no step is current, nothing says why


def progress(
    stages: list[tuple[str, str]],
    current_stage: str,
    *,
    los_milestone: str = "",
    los_milestone_at: datetime | None = None,
) -> Progress:
    """The steps of the lead's pipeline in order, done up to the furthest of the lead's stage and the LOS milestone.

    `stages` is [(name, outcome)] in pipeline order (outcome "open", "won" or "lost"). Lost stages are left out and
    a lost file shows no current step, never the reason."""
    outcomes = dict(stages)
    shown = [name for name, outcome in stages if outcome != "lost"]
    active = outcomes.get(current_stage) != "lost"
    reached = shown.index(current_stage) if current_stage in shown else -1
    milestone_stage = MILESTONE_STAGE.get(los_milestone, "") if active else ""
    if milestone_stage in shown:
        reached = max(reached, shown.index(milestone_stage))
    won = active and reached >= 0 and outcomes.get(shown[reached]) == "won"
    approved_now = active and los_milestone == "approved" and milestone_stage == shown[reached]
    steps: list[Step] = []
    for index, name in enumerate(shown):
        title, detail = STEP_WORDS.get(name, (name, ""))
        if not active or index > reached:
            state = "upcoming"
        elif index < reached or won or (approved_now and index == reached):
            state = "done"
        else:
            state = "current"
        at = los_milestone_at if name == milestone_stage and not approved_now else None
        steps.append(Step(title, detail, state, at))
        if name == "Underwriting":
            if approved_now:
                steps.append(Step(*APPROVED_STEP, "current", los_milestone_at))
            else:
                steps.append(Step(*APPROVED_STEP, "done" if active and index < reached else "upcoming"))
    return Progress(steps, active)


# --- Consent ----------------------------------------------------------------------------------------------------

CHANNELS = {"sms": "Text messages", "email": "Email", "calls": "Phone calls"}


def consent_text(organisation_name: str, channel: str, address: str) -> str:
    """What the borrower agrees to when giving consent for one channel in the portal; stored with the consent as
    its proof (the TCPA's prior express written consent names the seller and the number, and is not a
    condition of purchase: 47 CFR 64.1200(f)(9), REFERENCE.md 4.1)."""
    what = {
        "sms": f"text messages to {address}, which may be sent by automated means",
        "email": f"emails to {address}",
        "calls": f"calls to {address}, including calls made with an autodialer or a prerecorded voice",
    }[channel]
    stop = {
        "sms": " Message and data rates may apply. Reply STOP to stop, HELP for help.",
        "email": " Every email has an unsubscribe link.",
        "calls": "",
    }[channel]
    return (
        f"I agree that {organisation_name} may contact me about my home loan by {what}. "
        f"Agreeing is not a condition of any purchase or loan, and I can withdraw it at any time on this page."
        f"{stop}"
    )
