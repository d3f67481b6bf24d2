"""Who may route: org admins and managers change rules and reassign; a loan officer claims only what was offered."""

from firstcall.accounts.models import User


def can_manage_routing(user: User) -> bool:
    return (
        user.is_authenticated
        and user.organisation_id is not None
        and (user.is_org_admin or user.role == User.Role.MANAGER)
    )


def can_reassign(user: User, lead) -> bool:
    if not can_manage_routing(user) or user.organisation_id != lead.organisation_id:
        return False
    if user.is_org_admin:
        return True
    from firstcall.leads.access import can_view_lead

    return can_view_lead(user, lead)
