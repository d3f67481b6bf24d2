"""Who may do what with cadences: org admins and managers build cadences and templates; loan officers,
managers and admins enrol, pause, resume and remove the leads they may see (their own and shared ones for a
loan officer, leads.access.visible_leads); processors and partners only look. The do-not-contact list is for
org admins (it is an export of personal data)."""

from firstcall.accounts.models import User
from firstcall.leads.access import can_view_lead, visible_leads

ENROLLING_ROLES = {User.Role.ADMIN, User.Role.MANAGER, User.Role.LOAN_OFFICER}


def _staff(user) -> bool:
    return bool(user and user.is_authenticated and user.organisation_id is not None and user.is_active)


def can_build_cadences(user) -> bool:
    return _staff(user) and (user.is_org_admin or user.role == User.Role.MANAGER)


def can_see_cadences(user) -> bool:
    return _staff(user) and (user.is_org_admin or user.role in ENROLLING_ROLES)


def can_manage_enrolment(user, lead) -> bool:
    return (
        can_see_cadences(user) and lead.organisation_id == user.organisation_id and can_view_lead(user, lead)
    )


def enrollable_leads(user):
    if not can_see_cadences(user):
        return visible_leads(user).none()
    return visible_leads(user)


def can_manage_do_not_contact(user) -> bool:
    return _staff(user) and user.is_org_admin


def visible_cadences(user):
    from firstcall.cadences.models import Cadence

    if not can_see_cadences(user):
        return Cadence.objects.none()
    return Cadence.objects.filter(organisation_id=user.organisation_id)


def open_call_tasks(user, *, team: bool = False):
    """Open cadence call tasks on leads the person may see: their own, or their team's (managers/admins), for
    whoever may use tasks at all (pipeline.tasks_service)."""
    from firstcall.cadences.models import CallTask
    from firstcall.pipeline.tasks_service import can_see_team_tasks, can_use_tasks

    if not can_use_tasks(user):
        return CallTask.objects.none()
    tasks = CallTask.objects.filter(
        organisation_id=user.organisation_id,
        status=CallTask.Status.OPEN,
        lead__in=visible_leads(user).values("pk"),
    )
    if not (team and can_see_team_tasks(user)):
        tasks = tasks.filter(owner=user)
    return tasks.select_related("lead", "owner").order_by("due_at", "pk")
