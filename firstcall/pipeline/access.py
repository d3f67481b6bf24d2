"""Who may move a lead along its pipeline (board drag and drop, the list's bulk "change stage", lead page).

Seeing a lead is leads.access.visible_leads; moving it is narrower: the lead's owner, a manager who sees it
(their teams' leads, unassigned ones, their own and shared ones), or an org admin. A loan officer the lead is
only shared with, processors and referral partners look but do not move.
"""

from firstcall.accounts.models import User
from firstcall.leads.access import can_view_lead


def _staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.organisation_id is not None)


def may_move_visible_lead(user, lead) -> bool:
    """For a lead already known to be visible to `user` (it came from visible_leads): no query."""
    if not _staff(user) or lead.organisation_id != user.organisation_id:
        return False
    if user.is_org_admin or user.role == User.Role.MANAGER:
        return True
    return user.role == User.Role.LOAN_OFFICER and lead.owner_id == user.pk


def can_move_lead(user, lead) -> bool:
    return may_move_visible_lead(user, lead) and can_view_lead(user, lead)


def can_use_board(user) -> bool:
    """Every signed-in person of an organisation has a board; what it shows is their visible leads."""
    return _staff(user)
