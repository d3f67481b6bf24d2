"""Magic-link sign-in for borrowers and partners: issue a link, redeem it once.

A link is `<id>:<secret>` signed with a TimestampSigner (salted for this use), so a tampered link fails the
signature, an old one fails its age, and the stored SHA-256 of the secret, marked used on first redemption,
makes it single use. Staff accounts (every role but partner) can never be issued a link.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from firstcall.accounts.models import Organisation, User
from firstcall.accounts.services import record_audit
from firstcall.leads.models import Lead
from firstcall.lib.emails import InvalidEmail, normalise_email
from firstcall.lib.phones import InvalidPhone, normalise_phone
from firstcall.portals.models import SignInLink

SALT = "firstcall.portals.sign-in"
SESSION_KEY = "firstcall_portal"  # the portal identity in the session; staff sign-in uses Django's own keys
PORTAL_SIGN_IN = "portal.sign_in"
PORTAL_SIGN_IN_FAILED = "portal.sign_in.failed"
PORTAL_LINK_SENT = "portal.link_sent"
PORTAL_VIEW = "portal.view"

EXPIRED, USED, INVALID = "expired", "used", "invalid"


def link_lifetime() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "PORTAL_LINK_MINUTES", 30)))


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Recipient:
    party: str
    channel: str  # "email" or "sms"
    address: str
    lead: Lead | None = None
    user: User | None = None


def parse_address(raw: str) -> tuple[str, str] | None:
    """("email", normalised) or ("sms", E.164), or None when it is neither."""
    text = (raw or "").strip()
    if "@" in text:
        try:
            return "email", normalise_email(text)
        except InvalidEmail:
            return None
    try:
        return "sms", normalise_phone(text)
    except InvalidPhone:
        return None


def find_recipient(organisation, raw_address: str) -> Recipient | None:
    """Who a typed address belongs to in this organisation: a partner account first, else the most recent lead
    with that contact. Staff accounts are never returned."""
    parsed = parse_address(raw_address)
    if parsed is None:
        return None
    channel, address = parsed
    field = "email" if channel == "email" else "phone"
    users = User.objects.filter(organisation=organisation, is_active=True, role=User.Role.PARTNER)
    partner = (
        users.filter(email__iexact=address) if field == "email" else users.filter(phone=address)
    ).first()
    if partner is not None:
        return Recipient(SignInLink.Party.PARTNER, channel, address, user=partner)
    lookup = {"email__iexact": address} if field == "email" else {"phone": address}
    lead = Lead.objects.filter(organisation=organisation, **lookup).order_by("-pk").first()
    if lead is not None:
        return Recipient(SignInLink.Party.BORROWER, channel, address, lead=lead)
    return None


def issue_link(organisation, recipient: Recipient, *, ip_address=None, actor=None) -> str:
    """Store a new link for this person and return its signed token (to be put in a URL, never stored)."""
    if recipient.user is not None and (recipient.user.role != User.Role.PARTNER or recipient.user.is_staff):
        raise ValueError("Staff accounts cannot sign in by link")
    now = timezone.now()
    secret = secrets.token_urlsafe(32)
    link = SignInLink.objects.create(
        organisation=organisation,
        party=recipient.party,
        lead=recipient.lead,
        user=recipient.user,
        channel=recipient.channel,
        token_hash=_hash(secret),
        created_at=now,
        expires_at=now + link_lifetime(),
    )
    record_audit(
        organisation,
        PORTAL_LINK_SENT,
        actor=actor or recipient.user,
        ip_address=ip_address,
        detail={
            "party": recipient.party,
            "link_id": link.pk,
            "lead_id": recipient.lead and recipient.lead.pk,
            "channel": recipient.channel,
            "by_staff": actor is not None,
        },
    )
    return signing.TimestampSigner(salt=SALT).sign(f"{link.pk}:{secret}")


@dataclass(frozen=True)
class Redemption:
    ok: bool
    reason: str = ""
    identity: dict | None = None
    organisation_id: int | None = None


def redeem(token: str, *, ip_address=None) -> Redemption:
    """Check a link and mark it used. Returns the portal identity to keep in the session, or why not."""
    max_age = link_lifetime().total_seconds()
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        return _failed(EXPIRED, token, ip_address)
    except signing.BadSignature:
        return _failed(INVALID, token, ip_address)
    link_id, _, secret = value.partition(":")
    with transaction.atomic():
        link = SignInLink.objects.select_for_update().filter(pk=link_id, token_hash=_hash(secret)).first()
        if link is None:
            return _failed(INVALID, token, ip_address)
        now = timezone.now()
        if link.used_at is not None:
            return _failed(USED, token, ip_address, link=link)
        if link.expires_at <= now:
            return _failed(EXPIRED, token, ip_address, link=link)
        if link.user is not None and (
            link.user.role != User.Role.PARTNER or link.user.is_staff or not link.user.is_active
        ):
            return _failed(INVALID, token, ip_address, link=link)
        link.used_at = now
        link.save(update_fields=["used_at"])
        identity = {
            "party": link.party,
            "lead_id": link.lead_id,
            "user_id": link.user_id,
            "organisation_id": link.organisation_id,
            "link_id": link.pk,
        }
        record_audit(
            link.organisation,
            PORTAL_SIGN_IN,
            actor=link.user,
            ip_address=ip_address,
            detail={"party": link.party, "link_id": link.pk, "lead_id": link.lead_id, "method": "magic_link"},
        )
    return Redemption(True, identity=identity, organisation_id=link.organisation_id)


def partner_signed_in_with_password(user: User, *, ip_address=None) -> dict | None:
    """The portal identity for a referral partner who signed in with a password at /login/: the same identity a
    partner's sign-in link gives (see `redeem`), so a partner always lands on the partner portal and never on the
    staff workspace. None for anyone who is not an active partner account (staff are never given a portal)."""
    if user.role != User.Role.PARTNER or user.is_staff or user.is_superuser or not user.is_active:
        return None
    identity = {
        "party": SignInLink.Party.PARTNER.value,
        "lead_id": None,
        "user_id": user.pk,
        "organisation_id": user.organisation_id,
        "link_id": None,
    }
    record_audit(
        _organisation(identity) if user.organisation_id else None,
        PORTAL_SIGN_IN,
        actor=user,
        ip_address=ip_address,
        detail={"party": identity["party"], "link_id": None, "lead_id": None, "method": "password"},
    )
    return identity


def _failed(reason: str, token: str, ip_address, *, link: SignInLink | None = None) -> Redemption:
    record_audit(
        link.organisation if link else None,
        PORTAL_SIGN_IN_FAILED,
        ip_address=ip_address,
        detail={
            "reason": reason,
            "link_id": link.pk if link else None,
            "token_key": hashlib.sha256(token.encode()).hexdigest()[:16],
        },
    )
    return Redemption(False, reason=reason, organisation_id=link.organisation_id if link else None)


def record_view(identity: dict, page: str, *, ip_address=None) -> None:
    record_audit(
        None if identity is None else _organisation(identity),
        PORTAL_VIEW,
        actor=User.objects.filter(pk=identity.get("user_id")).first() if identity.get("user_id") else None,
        ip_address=ip_address,
        detail={"party": identity["party"], "lead_id": identity.get("lead_id"), "page": page},
    )


def _organisation(identity):
    return Organisation.objects.filter(pk=identity["organisation_id"]).first()
