"""The loan officer's side of the portals, on the lead page: what the borrower did in the portal (last sign-in,
uploads, messages), the partners who referred the borrower and whether the borrower shares milestones with
each, the purchase contract date and the pre-approval letters. What the panel shows is read here; every change
goes through portals.partners or the sign-in flow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from firstcall.accounts.models import AuditEvent
from firstcall.documents.models import Document
from firstcall.leads.models import Lead
from firstcall.messaging.models import Message
from firstcall.portals import partners
from firstcall.portals import services as portals
from firstcall.portals.models import PartnerReferral, PreApprovalLetter, SharingAuthorisation


@dataclass(frozen=True)
class Activity:
    last_sign_in: datetime | None
    sign_ins: int
    page_views: int
    uploads: int
    last_upload: datetime | None
    messages: int
    last_message: datetime | None
    last_link_sent: datetime | None


def activity(lead: Lead) -> Activity:
    audit = AuditEvent.objects.filter(organisation_id=lead.organisation_id, detail__lead_id=lead.pk)
    sign_ins = audit.filter(action=portals.PORTAL_SIGN_IN)
    uploads = Document.objects.filter(lead=lead, source=Document.Source.BORROWER_LINK)
    messages = Message.objects.filter(lead=lead, channel="portal", direction=Message.Direction.INBOUND)
    last_sign_in = sign_ins.order_by("-created_at").values_list("created_at", flat=True).first()
    last_upload = uploads.order_by("-created_at").values_list("created_at", flat=True).first()
    last_message = messages.order_by("-created_at").values_list("created_at", flat=True).first()
    last_link = (
        audit.filter(action=portals.PORTAL_LINK_SENT)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    ).first()
    return Activity(
        last_sign_in=last_sign_in,
        sign_ins=sign_ins.count(),
        page_views=audit.filter(action=portals.PORTAL_VIEW).count(),
        uploads=uploads.count(),
        last_upload=last_upload,
        messages=messages.count(),
        last_message=last_message,
        last_link_sent=last_link,
    )


@dataclass(frozen=True)
class PartnerSharing:
    partner_id: int
    name: str
    shared: bool
    latest: SharingAuthorisation | None


def sharing(lead: Lead) -> list[PartnerSharing]:
    rows = []
    for partner in partners.referring_partners(lead):
        latest = partners.latest_sharing(lead, partner)
        rows.append(
            PartnerSharing(
                partner.pk, partners.partner_name(partner), bool(latest and latest.is_granted), latest
            )
        )
    return rows


@dataclass(frozen=True)
class Panel:
    activity: Activity
    sharing: list[PartnerSharing]
    contract: object
    letters: list[PreApprovalLetter]
    programs: list[str]


def panel(lead: Lead) -> Panel:
    return Panel(
        activity=activity(lead),
        sharing=sharing(lead),
        contract=partners.under_contract(lead),
        letters=list(partners.letters(lead)[:10]),
        programs=partners.PROGRAMS,
    )


@dataclass(frozen=True)
class PartnerSummary:
    partner_id: int
    name: str
    email: str
    is_active: bool
    referrals: int
    open_referrals: int
    funded: int
    last_sign_in: datetime | None


def partner_summaries(organisation) -> list[PartnerSummary]:
    """Each partner with how many borrowers they referred and how many funded: a count, never a payment or a
    ranking tied to referrals (RESPA section 8, REFERENCE.md 4.7)."""
    rows = []
    for partner in partners.partners(organisation):
        leads = Lead.objects.filter(organisation=organisation).filter(partners.referred_by(partner))
        last = (
            AuditEvent.objects.filter(action=portals.PORTAL_SIGN_IN, actor=partner)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        rows.append(
            PartnerSummary(
                partner_id=partner.pk,
                name=partners.partner_name(partner),
                email=partner.email,
                is_active=partner.is_active,
                referrals=leads.count(),
                open_referrals=leads.filter(stage__outcome="open").count(),
                funded=leads.filter(stage__outcome="won").count(),
                last_sign_in=last,
            )
        )
    return rows


@dataclass(frozen=True)
class StaffReferral:
    lead_id: int
    name: str
    partner: str
    referred_at: datetime
    stage: str


def recent_referrals(organisation, visible_lead_ids, limit: int = 50) -> list[StaffReferral]:
    """Partner referrals of leads this person may see, newest first."""
    rows = (
        PartnerReferral.objects.filter(organisation=organisation, lead_id__in=visible_lead_ids)
        .select_related("lead", "lead__stage", "partner")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        StaffReferral(
            row.lead_id,
            row.lead.full_name or "Borrower",
            partners.partner_name(row.partner),
            row.created_at,
            row.lead.stage.name,
        )  # fmt: skip
        for row in rows
    ]
