"""Who may see which messages: org admins see their organisation's outbox; everyone else sees the messages
of the leads they may see (leads.access.visible_leads), alerts addressed to them and messages they sent."""

from django.db.models import Q, QuerySet

from firstcall.leads.access import visible_leads
from firstcall.leads.allow_lists import sees_conversations
from firstcall.messaging.models import Message


def visible_messages(user) -> QuerySet[Message]:
    if not user.is_authenticated or user.organisation_id is None:
        return Message.objects.none()
    messages = Message.objects.filter(organisation_id=user.organisation_id)
    if user.is_org_admin:
        return messages
    if not sees_conversations(user):
        # A referral partner's outbox holds the alerts sent to them, never a borrower's conversation.
        return messages.filter(Q(recipient_user=user) | Q(sent_by=user, lead__isnull=True))
    return messages.filter(
        Q(lead_id__in=visible_leads(user).values("pk")) | Q(recipient_user=user) | Q(sent_by=user)
    )
