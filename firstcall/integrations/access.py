"""Who may manage integrations: the organisation's admins, for their own organisation only."""

from django.core.exceptions import PermissionDenied

from firstcall.integrations.models import LosEvent, WebhookMessage, WebhookSubscription


def require_integrations_admin(user):
    if not (user.is_authenticated and user.is_active and user.is_org_admin and user.organisation_id):
        raise PermissionDenied
    return user.organisation


def visible_subscriptions(user):
    if not (user.is_authenticated and user.is_active and user.is_org_admin and user.organisation_id):
        return WebhookSubscription.objects.none()
    return WebhookSubscription.objects.filter(organisation_id=user.organisation_id)


def visible_messages(user):
    if not (user.is_authenticated and user.is_active and user.is_org_admin and user.organisation_id):
        return WebhookMessage.objects.none()
    return WebhookMessage.objects.filter(organisation_id=user.organisation_id)


def visible_los_events(user):
    if not (user.is_authenticated and user.is_active and user.is_org_admin and user.organisation_id):
        return LosEvent.objects.none()
    return LosEvent.objects.filter(organisation_id=user.organisation_id)
