"""Who may see the security audit log and manage people's access. Lead visibility lives in leads/access.py."""

from django.db.models import QuerySet

from firstcall.accounts.models import AuditEvent, User


def can_view_audit_log(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and ((user.organisation_id is not None and user.is_org_admin) or user.is_superuser)
    )


def visible_audit_events(user: User) -> QuerySet[AuditEvent]:
    """An organisation's admins see their organisation's events; a platform superuser with no organisation
    sees everything (events without an organisation are failed sign-ins for unknown usernames)."""
    if not can_view_audit_log(user):
        return AuditEvent.objects.none()
    if user.organisation_id is None:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(organisation_id=user.organisation_id)


def can_manage_users(user: User, other: User | None = None) -> bool:
    """Org admins manage the people of their own organisation (settings pages that edit roles and teams)."""
    if not (user.is_authenticated and user.is_active and user.is_org_admin):
        return False
    if other is None or user.organisation_id is None:
        return user.is_superuser or user.organisation_id is not None
    return other.organisation_id == user.organisation_id
