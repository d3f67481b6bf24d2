"""Who may see and work on which documents: exactly those who may work the lead (leads.access), except referral
partners, who see limited lead fields and never a borrower's paperwork."""

from django.db.models import QuerySet

from firstcall.accounts.models import User
from firstcall.documents.models import Document
from firstcall.leads.access import visible_leads
from firstcall.leads.models import Lead


def may_handle_documents(user) -> bool:
    return user.is_authenticated and getattr(user, "role", None) != User.Role.PARTNER


def document_leads(user) -> QuerySet[Lead]:
    if not may_handle_documents(user):
        return Lead.objects.none()
    return visible_leads(user)


def visible_documents(user) -> QuerySet[Document]:
    if not may_handle_documents(user):
        return Document.objects.none()
    return Document.objects.filter(lead__in=visible_leads(user).values("pk"))


def lead_for_documents(user, lead_id: int) -> Lead | None:
    return document_leads(user).filter(pk=lead_id).select_related("organisation").first()


def document_for(user, document_id: int) -> Document | None:
    return visible_documents(user).filter(pk=document_id).select_related("lead", "lead__organisation").first()
