"""Who may see and act on the assistant's readings and drafts: the people who may message the lead."""

from django.db.models import QuerySet

from firstcall.accounts.models import User
from firstcall.assistant.models import Draft, ReplyReading
from firstcall.leads.access import visible_leads

ROLES_THAT_ANSWER = (User.Role.ADMIN, User.Role.MANAGER, User.Role.LOAN_OFFICER)


def may_answer_borrowers(user: User) -> bool:
    return user.is_authenticated and user.organisation_id is not None and user.role in ROLES_THAT_ANSWER


def visible_drafts(user: User) -> QuerySet[Draft]:
    if not may_answer_borrowers(user):
        return Draft.objects.none()
    return Draft.objects.filter(organisation_id=user.organisation_id, lead__in=visible_leads(user))


def visible_readings(user: User) -> QuerySet[ReplyReading]:
    if not may_answer_borrowers(user):
        return ReplyReading.objects.none()
    return ReplyReading.objects.filter(organisation_id=user.organisation_id, lead__in=visible_leads(user))


def may_change_settings(user: User) -> bool:
    return user.is_authenticated and user.organisation_id is not None and user.is_org_admin
