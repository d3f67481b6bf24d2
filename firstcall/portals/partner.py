"""What a referral partner may see of a borrower they referred, decided here: five milestones in plain words,
each reached or not, and nothing else. No credit, income, assets, score, notes, messages or why a file was lost
(RESPA and GLBA, ../shared/domain/REFERENCE.md 4.6-4.7): a lost file shows the milestones it reached, no more.
The milestones are shown only where the borrower authorised sharing with that partner (portals.sharing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

PRE_APPROVED, APPLICATION, UNDER_CONTRACT, CLEAR_TO_CLOSE, FUNDED = (
    "pre_approved", "application", "under_contract", "clear_to_close", "funded",
)  # fmt: skip
MILESTONE_WORDS = {
    PRE_APPROVED: "Pre-approved",
    APPLICATION: "Application in",
    UNDER_CONTRACT: "Under contract",
    CLEAR_TO_CLOSE: "Clear to close",
    FUNDED: "Funded",
}
# The pipeline stage (pipeline.services.DEFAULT_STAGES) from which each milestone counts as reached.
STAGE_FOR = {PRE_APPROVED: "Pre-approved", APPLICATION: "Application", CLEAR_TO_CLOSE: "Clear to close",
             FUNDED: "Closed"}  # fmt: skip
# The loan origination system's milestones (integrations.los.MILESTONES) that reach each one.
LOS_REACHES = {
    APPLICATION: {"application_taken", "disclosed", "submitted_to_underwriting", "approved", "clear_to_close",
                  "funded"},
    CLEAR_TO_CLOSE: {"clear_to_close", "funded"},
    FUNDED: {"funded"},
}  # fmt: skip


@dataclass(frozen=True)
class Milestone:
    key: str
    title: str
    reached: bool
    on: date | None = None


def milestones(
    stages: list[tuple[str, str]],
    current_stage: str,
    *,
    los_milestone: str = "",
    los_milestone_at: datetime | None = None,
    letter_issued_at: datetime | None = None,
    contract_date: date | None = None,
) -> list[Milestone]:
    """`stages` is [(name, outcome)] in pipeline order. A stage counts when it is at or past a milestone's stage
    and the file is not lost (a lost stage sits after Closed and would otherwise read as funded)."""
    outcomes = dict(stages)
    names = [name for name, _ in stages]
    lost = outcomes.get(current_stage) == "lost"
    at = names.index(current_stage) if current_stage in names and not lost else -1
    rows = []
    for key, title in MILESTONE_WORDS.items():
        reached, on = False, None
        stage = STAGE_FOR.get(key)
        if stage in names and at >= names.index(stage):
            reached = True
        if los_milestone in LOS_REACHES.get(key, ()):
            reached = True
            if los_milestone_at is not None and los_milestone in _exact(key):
                on = los_milestone_at.date()
        if key == PRE_APPROVED and letter_issued_at is not None:
            reached, on = True, letter_issued_at.date()
        if key == UNDER_CONTRACT and contract_date is not None:
            reached, on = True, contract_date
        rows.append(Milestone(key, title, reached, on))
    return rows


def _exact(key: str) -> set[str]:
    return {APPLICATION: {"application_taken"}, CLEAR_TO_CLOSE: {"clear_to_close"}, FUNDED: {"funded"}}.get(
        key, set()
    )


def sharing_text(organisation_name: str, partner_name: str) -> str:
    """What the borrower agrees to when letting a partner follow the loan; stored with the authorisation."""
    return (
        f"I allow {organisation_name} to tell {partner_name}, who referred me, when my loan reaches each of these "
        f"milestones: pre-approved, application in, under contract, clear to close and funded, and to let "
        f"{partner_name} download my pre-approval letter. Nothing else about my finances or my loan is shared. "
        f"I can withdraw this at any time in my portal."
    )


def expects_call_text(organisation_name: str) -> str:
    """What the partner ticks on the referral form: a note for the loan officer, not the borrower's consent."""
    return (
        f"The borrower knows I am passing their details to {organisation_name} and expects a call from a loan "
        f"officer."
    )
