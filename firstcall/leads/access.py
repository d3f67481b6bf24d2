"""Who may see and change which leads: the one place every view, API endpoint and export asks."""

from django.db.models import Q, QuerySet

from firstcall.accounts.models import User
from firstcall.leads.models import IntakeRecord, Lead


def visible_leads(user: User) -> QuerySet[Lead]:
    if not user.is_authenticated or user.organisation_id is None:
        return Lead.objects.none()
    leads = Lead.objects.filter(organisation_id=user.organisation_id)
    if user.is_org_admin:
        return leads
    # Subqueries rather than joins: no DISTINCT over the organisation's leads on every query of a page.
    shared = Lead.shared_with.through.objects.filter(user_id=user.pk).values("lead_id")
    if user.role == User.Role.MANAGER:
        team_ids = list(user.managed_teams.values_list("pk", flat=True))
        members = User.teams.through.objects.filter(team_id__in=team_ids).values("user_id")
        return leads.filter(
            Q(owner_id__in=members) | Q(owner__isnull=True) | Q(owner=user) | Q(pk__in=shared)
        )
    if user.role == User.Role.LOAN_OFFICER:
        return leads.filter(Q(owner=user) | Q(pk__in=shared))
    if user.role == User.Role.PROCESSOR:
        return leads.filter(processor=user)
    if user.role == User.Role.PARTNER:
        return leads.filter(referral_partner=user)
    return Lead.objects.none()


def can_view_lead(user: User, lead: Lead) -> bool:
    return visible_leads(user).filter(pk=lead.pk).exists()


def can_manage_intake(user: User) -> bool:
    return user.is_authenticated and user.organisation_id is not None and user.is_org_admin


def is_platform_operator(user: User) -> bool:
    """Who runs the installation: a superuser, or back-office staff given the intake permission (a group such
    as "Platform operators" holding leads.view_intakerecord)."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or (user.is_staff and user.has_perm("leads.view_intakerecord")))
    )


def can_open_intake_screen(user: User) -> bool:
    return can_manage_intake(user) or is_platform_operator(user)


def visible_intake_records(user: User) -> QuerySet[IntakeRecord]:
    """An organisation's admins see its records. Records that could not be tied to any organisation (an
    unknown source, a bad key) may hold anyone's data, so only platform operators see those, beside their own
    organisation's if they belong to one."""
    if is_platform_operator(user):
        return IntakeRecord.objects.filter(
            Q(organisation__isnull=True) | Q(organisation_id=user.organisation_id)
            if user.organisation_id
            else Q(organisation__isnull=True)
        )
    if not can_manage_intake(user):
        return IntakeRecord.objects.none()
    return IntakeRecord.objects.filter(organisation_id=user.organisation_id)
