"""The loan's progress in the borrower's words, from the pipeline stage and the loan origination system's
milestone: never a lost stage or its reason."""

from datetime import UTC, datetime

from firstcall.portals.borrower import progress

STAGES = [
    ("New", "open"), ("Contacted", "open"), ("Qualified", "open"), ("Pre-approved", "open"), ("Application", "open"),
    ("Processing", "open"), ("Underwriting", "open"), ("Clear to close", "open"), ("Closed", "won"), ("Lost", "lost"),
]  # fmt: skip
AT = datetime(2026, 12, 1, 15, tzinfo=UTC)


def states(result):
    return [(step.title, step.state) for step in result.steps]


def test_the_current_stage_is_current_and_earlier_ones_done():
    result = progress(STAGES, "Processing")
    assert result.active
    assert states(result)[4:7] == [("Application received", "done"), ("Processing", "current"),
                                   ("Underwriting", "upcoming")]  # fmt: skip
    assert "Lost" not in [step.title for step in result.steps]


def test_an_los_milestone_ahead_of_the_stage_moves_the_borrower_on_with_its_date():
    result = progress(STAGES, "Application", los_milestone="submitted_to_underwriting", los_milestone_at=AT)
    underwriting = next(step for step in result.steps if step.title == "Underwriting")
    assert underwriting.state == "current" and underwriting.at == AT


def test_approval_is_its_own_step_after_underwriting():
    result = progress(STAGES, "Underwriting", los_milestone="approved", los_milestone_at=AT)
    assert ("Underwriting", "done") in states(result)
    approved = next(step for step in result.steps if step.title == "Approved with conditions")
    assert approved.state == "current" and approved.at == AT
    later = progress(STAGES, "Clear to close")
    assert ("Approved with conditions", "done") in states(later) and ("Clear to close", "current") in states(
        later
    )


def test_a_closed_loan_has_every_step_done():
    assert all(state == "done" for _, state in states(progress(STAGES, "Closed", los_milestone="funded")))


def test_a_lost_file_shows_no_current_step_and_ignores_withdrawn_or_denied():
    result = progress(STAGES, "Lost", los_milestone="denied", los_milestone_at=AT)
    assert not result.active and all(state == "upcoming" for _, state in states(result))
    assert all(step.at is None for step in result.steps)


def test_a_stage_an_organisation_added_keeps_its_own_name():
    result = progress(
        [("New", "open"), ("Appraisal ordered", "open"), ("Closed", "won")], "Appraisal ordered"
    )
    assert states(result) == [
        ("Getting started", "done"),
        ("Appraisal ordered", "current"),
        ("Closed", "upcoming"),
    ]
