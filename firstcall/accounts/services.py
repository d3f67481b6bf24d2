import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from firstcall.accounts.models import ApiKey, AuditEvent, Organisation, User
from firstcall.events.outbox import emit


def get_or_create_organisation(name_or_slug: str) -> Organisation:
    organisation = Organisation.objects.filter(slug=name_or_slug).first()
    if organisation is None:
        organisation = Organisation.objects.filter(name=name_or_slug).first()
    if organisation is None:
        organisation = create_organisation(name_or_slug)
    return organisation


def create_organisation(name: str, **fields) -> Organisation:
    """Set up a new lender. What every organisation starts with (default follow-up cadences...) is the other
    apps' reaction to `organisation.created`, run in this transaction (docs/events.md)."""
    return add_organisation(Organisation(name=name, **fields))


@transaction.atomic
def add_organisation(organisation: Organisation) -> Organisation:
    """Save a new organisation built elsewhere (the admin's form) and announce it, as create_organisation does."""
    organisation.save()
    emit("organisation.created", organisation_id=organisation.pk)
    return organisation


def create_api_key(
    organisation: Organisation, *, name: str, scopes: list[str], lead_source=None
) -> tuple[ApiKey, str]:
    """Create a key and return it with the raw secret, which is never stored and cannot be shown again."""
    unknown = set(scopes) - ApiKey.KNOWN_SCOPES
    if unknown:
        raise ValueError(f"Unknown scope(s): {', '.join(sorted(unknown))}")
    raw_key = "fc_" + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        organisation=organisation,
        name=name,
        prefix=raw_key[:10],
        key_hash=ApiKey.hash_key(raw_key),
        scopes=sorted(set(scopes)),
        lead_source=lead_source,
    )
    record_audit(organisation, "api_key.created", detail={"key": api_key.prefix, "scopes": api_key.scopes})
    return api_key, raw_key


def find_api_key(raw_key: str | None) -> ApiKey | None:
    if not raw_key:
        return None
    api_key = (
        ApiKey.objects.select_related("organisation", "lead_source")
        .filter(key_hash=ApiKey.hash_key(raw_key.strip()), revoked_at__isnull=True)
        .first()
    )
    return api_key


def touch_api_key(api_key: ApiKey) -> None:
    # One write a minute at most: the timestamp is for "last used", not an access log. The first use of each
    # day also writes one audit row (record_api_key_use below), never one per request.
    now = timezone.now()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        record_api_key_use(api_key, now=now)


def record_audit(organisation, action: str, *, actor=None, detail=None, ip_address=None) -> AuditEvent:
    return AuditEvent.objects.create(
        organisation=organisation, actor=actor, action=action, detail=detail or {}, ip_address=ip_address
    )


@transaction.atomic
def revoke_api_key(api_key: ApiKey, *, actor=None) -> None:
    ApiKey.objects.filter(pk=api_key.pk).update(revoked_at=timezone.now())
    record_audit(api_key.organisation, "api_key.revoked", actor=actor, detail={"key": api_key.prefix})


API_KEY_USED = "api_key.used"


def record_api_key_use(api_key: ApiKey, *, now=None) -> bool:
    """Stamp last_used_at and audit the first use of each UTC day.

    The day's first use is claimed with a conditional update, so several processes serving the same key at
    midnight write one audit row between them, and later requests that day write no audit row at all.
    Returns True when this call wrote the day's audit row.
    """
    now = now or timezone.now()
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    first_today = (
        ApiKey.objects.filter(pk=api_key.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=start_of_day))
        .update(last_used_at=now)
    )
    api_key.last_used_at = now
    if not first_today:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return False
    record_audit(
        api_key.organisation,
        API_KEY_USED,
        detail={"key": api_key.prefix, "name": api_key.name, "scopes": list(api_key.scopes)},
    )
    return True


def set_working_hours(user: User, weekly: dict) -> bool:
    """A person's weekly working hours ({"mon": ["09:00", "17:00"], ...}; a day left out is off): routing's
    availability and the booking page's free times both read them. True when they changed."""
    if (user.working_hours or {}) == weekly:
        return False
    user.working_hours = weekly
    user.save(update_fields=["working_hours"])
    return True
