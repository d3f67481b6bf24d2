"""Who may import spreadsheets of leads: organisation admins and managers (not loan officers or partners)."""

from firstcall.accounts.models import User


def can_import_csv(user) -> bool:
    if not user.is_authenticated or user.organisation_id is None:
        return False
    return user.is_org_admin or user.role == User.Role.MANAGER
