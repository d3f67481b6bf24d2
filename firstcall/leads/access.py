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
    if user.role == User.Role.MANAGER:
        team_ids = list(user.managed_teams.values_list("pk", flat=True))
        return leads.filter(
            Q(owner__teams__in=team_ids) | Q(owner__isnull=True) | Q(owner=user) | Q(shared_with=user)
        ).distinct()
    if user.role == User.Role.LOAN_OFFICER:
        return leads.filter(Q(owner=user) | Q(shared_with=user)).distinct()
    if user.role == User.Role.PROCESSOR:
        return leads.filter(processor=user)
    if user.role == User.Role.PARTNER:
        return leads.filter(referral_partner=user)
    return Lead.objects.none()


def can_view_lead(user: User, lead: Lead) -> bool:
    return visible_leads(user).filter(pk=lead.pk).exists()


def can_manage_intake(user: User) -> bool:
    return user.is_authenticated and user.organisation_id is not None and user.is_org_admin


def visible_intake_records(user: User) -> QuerySet[IntakeRecord]:
    if not can_manage_intake(user):
        return IntakeRecord.objects.none()
    if user.is_superuser and user.organisation_id is None:
        return IntakeRecord.objects.all()
    # Records that never reached an organisation (unknown key, unknown source) are shown to every org admin
    # only as counts elsewhere; here each admin sees their own organisation's.
    return IntakeRecord.objects.filter(organisation_id=user.organisation_id)
