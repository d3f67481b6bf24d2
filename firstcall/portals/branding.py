"""The organisation's look on its portals and pre-approval letters: name, colour and logo, set by its admins
(settings, Branding page) with sensible defaults when nothing is set. The colour is kept only as "#rrggbb" and
the logo only as a PNG or JPEG judged from its content, so neither can carry markup into a page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from firstcall.accounts.services import record_audit
from firstcall.portals.models import Branding

DEFAULT_COLOUR = "#112233"
MAX_LOGO_BYTES = 256 * 1024
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class BrandingRefused(ValueError):
    """A value the branding page does not take, with the sentence to show."""


@dataclass(frozen=True)
class Brand:
    name: str
    colour: str
    logo: bytes
    logo_type: str
    organisation_slug: str
    # The lender's identity under every portal page, as on its public forms: the legal name and company NMLS ID
    # (SAFE Act advertising disclosure, 12 CFR 1008) and the Equal Housing Opportunity notice (24 CFR 110).
    legal_name: str = ""
    nmls_id: str = ""
    privacy_policy_url: str = ""

    @property
    def has_logo(self) -> bool:
        return bool(self.logo)


def for_organisation(organisation) -> Brand:
    row = Branding.objects.filter(organisation=organisation).first()
    identity = {
        "legal_name": organisation.name,
        "nmls_id": getattr(organisation, "nmls_id", "") or "",
        "privacy_policy_url": getattr(organisation, "privacy_policy_url", "") or "",
    }
    if row is None:
        return Brand(organisation.name, DEFAULT_COLOUR, b"", "", organisation.slug, **identity)
    colour = row.colour if COLOUR.match(row.colour or "") else DEFAULT_COLOUR
    return Brand(
        row.display_name or organisation.name, colour.lower(), bytes(row.logo or b""), row.logo_type,
        organisation.slug, **identity,
    )  # fmt: skip


def logo_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return ""


def update(organisation, *, display_name: str, colour: str, logo: bytes | None = None, remove_logo=False,
           actor=None, ip_address=None) -> Branding:  # fmt: skip
    display_name = " ".join((display_name or "").split())[:120]
    colour = (colour or "").strip() or DEFAULT_COLOUR
    if not COLOUR.match(colour):
        raise BrandingRefused("The colour must be written as # and six hexadecimal digits, like #1756a9.")
    media_type = ""
    if logo is not None:
        if len(logo) > MAX_LOGO_BYTES:
            raise BrandingRefused(f"The logo is too large: the limit is {MAX_LOGO_BYTES // 1024} KB.")
        media_type = logo_type(logo)
        if not media_type:
            raise BrandingRefused("The logo must be a PNG or JPEG image.")
    with transaction.atomic():
        row, _ = Branding.objects.select_for_update().get_or_create(organisation=organisation)
        changes = {}
        if row.display_name != display_name:
            changes["display_name"] = [row.display_name, display_name]
            row.display_name = display_name
        if row.colour != colour.lower():
            changes["colour"] = [row.colour, colour.lower()]
            row.colour = colour.lower()
        if logo is not None:
            row.logo, row.logo_type = logo, media_type
            changes["logo"] = "replaced"
        elif remove_logo and row.logo:
            row.logo, row.logo_type = b"", ""
            changes["logo"] = "removed"
        row.updated_at = timezone.now()
        row.save()
        if changes:
            record_audit(organisation, "settings.branding.updated", actor=actor, ip_address=ip_address,
                         detail={"changes": changes})  # fmt: skip
    return row
