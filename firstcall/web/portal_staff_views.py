"""The loan officer's side of the portals (delivery): the lead page's portal panel (portal activity, send the
borrower's link, partner sharing, under contract, pre-approval letters), the partners page (invite partners,
see their referrals) and the organisation's branding settings page. What they show and do is
firstcall/flows/portal_officer.py and portals.partners / portals.branding."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from firstcall.accounts.client import client_ip
from firstcall.accounts.models import User
from firstcall.flows import portal_officer
from firstcall.flows.portal_sign_in import send_link_to_lead, send_sign_in_link
from firstcall.leads.access import visible_leads
from firstcall.portals import branding, partners
from firstcall.web.lead_views import _workable_lead, full_access_lead
from firstcall.web.settings_views import _render as settings_render
from firstcall.web.settings_views import require_settings_admin

PARTNER_MANAGERS = (User.Role.ADMIN, User.Role.MANAGER, User.Role.LOAN_OFFICER)


def _panel(request, lead, *, notice="", errors=(), status=200):
    context = {
        "lead": lead,
        "panel": portal_officer.panel(lead),
        "notice": notice,
        "errors": list(errors),
        "today": timezone.localdate(),
    }
    if request.htmx or request.method == "GET":
        return render(request, "web/lead/_portal_panel.html", context, status=status)
    if notice:
        messages.success(request, notice)
    for error in errors:
        messages.error(request, error)
    return redirect(reverse("lead_detail", args=[lead.pk]) + "#portal")


@login_required
@require_GET
def lead_portal_panel(request, lead_id: int):
    return _panel(request, full_access_lead(request.user, lead_id))


@login_required
@require_POST
def lead_portal_action(request, lead_id: int, action: str):
    lead = _workable_lead(request.user, lead_id)
    ip = client_ip(request)
    if action == "send-link":
        message = send_link_to_lead(
            lead,
            link_url=lambda token: request.build_absolute_uri(reverse("portal_redeem", args=[token])),
            actor=request.user,
            ip_address=ip,
        )
        if message is None:
            return _panel(
                request, lead, errors=["The borrower has no email address or mobile number."], status=400
            )
        return _panel(
            request,
            lead,
            notice=f"Portal link by {message.get_channel_display().lower()}: {message.get_status_display().lower()}.",
        )
    if action in ("share", "unshare"):
        partner = partners.active_partner(lead.organisation, request.POST.get("partner_id"))
        if partner is None or partner not in partners.referring_partners(lead):
            raise Http404
        if action == "unshare":
            partners.revoke_sharing(
                lead, partner, how="withdrawn by the loan officer", recorded_by=request.user
            )
            return _panel(
                request, lead, notice=f"{partners.partner_name(partner)} no longer sees milestones."
            )
        how = " ".join((request.POST.get("how") or "").split())[:150]
        if not how:
            return _panel(request, lead, errors=["Say how the borrower authorised sharing."], status=400)
        partners.grant_sharing(lead, partner, how=f"told the loan officer: {how}", ip_address=ip,
                               user_agent=request.headers.get("User-Agent", ""), recorded_by=request.user)  # fmt: skip
        return _panel(request, lead, notice=f"{partners.partner_name(partner)} now sees milestones.")
    if action == "contract":
        raw = request.POST.get("contract_date", "")
        try:
            contract_date = timezone.datetime.fromisoformat(raw).date() if raw else None
        except ValueError:
            return _panel(request, lead, errors=["Enter the contract date."], status=400)
        partners.set_under_contract(lead, contract_date, actor=request.user)
        return _panel(
            request, lead, notice="Under contract saved." if contract_date else "Under contract cleared."
        )
    if action == "issue-letter":
        letter_request, errors = partners.parse_letter_request(request.POST, today=timezone.localdate())
        if errors:
            return _panel(request, lead, errors=errors, status=400)
        try:
            letter = partners.issue_letter(lead, letter_request, officer=request.user, ip_address=ip)
        except partners.PartnerRefused as refusal:
            return _panel(request, lead, errors=[str(refusal)], status=400)
        return _panel(request, lead, notice=f"Pre-approval letter {letter.pk} issued.")
    if action == "lower-letter":
        letter = partners.letter_for_lead(lead, request.POST.get("letter_id") or 0)
        if letter is None:
            raise Http404
        try:
            copy = partners.letter_at_lower_price(
                letter, request.POST.get("amount"), requested_by=request.user, party="staff", ip_address=ip
            )
        except partners.PartnerRefused as refusal:
            return _panel(request, lead, errors=[str(refusal)], status=400)
        return _panel(request, lead, notice=f"Pre-approval letter {copy.pk} made at ${copy.amount:,.2f}.")
    if action == "revoke-letter":
        letter = partners.letter_for_lead(lead, request.POST.get("letter_id") or 0)
        if letter is None:
            raise Http404
        partners.revoke_letter(letter, actor=request.user, ip_address=ip)
        return _panel(request, lead, notice=f"Pre-approval letter {letter.pk} withdrawn.")
    raise Http404


@login_required
@require_GET
def lead_letter(request, lead_id: int, letter_id: int):
    lead = full_access_lead(request.user, lead_id)
    letter = partners.letter_for_lead(lead, letter_id)
    if letter is None:
        raise Http404
    partners.record_letter_download(letter, party="staff", actor=request.user, ip_address=client_ip(request))
    response = HttpResponse(partners.letter_pdf(letter), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="pre-approval-{letter.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def partners_page(request):
    """Loan officers, managers and admins invite referral partners and see their referrals."""
    user = request.user
    if not (user.is_active and user.organisation_id and (user.role in PARTNER_MANAGERS or user.is_org_admin)):
        raise PermissionDenied
    organisation = user.organisation
    errors, values, status = [], {}, 200
    if request.method == "POST":
        values = {name: (request.POST.get(name) or "").strip()[:200]
                  for name in ("first_name", "last_name", "email", "phone", "company")}  # fmt: skip
        try:
            partner = partners.invite_partner(
                organisation, **values, actor=user, ip_address=client_ip(request)
            )
        except partners.PartnerRefused as refusal:
            errors, status = [str(refusal)], 400
        else:
            send_sign_in_link(
                organisation,
                partner.email,
                link_url=lambda token: request.build_absolute_uri(reverse("portal_redeem", args=[token])),
                ip_address=client_ip(request),
            )
            messages.success(
                request, f"Invited {partners.partner_name(partner)}: a sign-in link is on its way."
            )
            return redirect("partners_page")
    return render(
        request,
        "web/partners.html",
        {
            "summaries": portal_officer.partner_summaries(organisation),
            "referrals": portal_officer.recent_referrals(organisation, visible_leads(user).values("pk")),
            "errors": errors,
            "values": values,
            "sign_in_url": request.build_absolute_uri(
                reverse("portal_request_link", args=[organisation.slug])
            ),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_branding(request):
    organisation = require_settings_admin(request.user)
    errors, status = [], 200
    if request.method == "POST":
        upload = request.FILES.get("logo")
        logo = None
        if upload is not None:
            logo = upload.read(branding.MAX_LOGO_BYTES + 1)
        try:
            branding.update(
                organisation,
                display_name=request.POST.get("display_name", ""),
                colour=request.POST.get("colour", ""),
                logo=logo,
                remove_logo=request.POST.get("remove_logo") == "yes",
                actor=request.user,
                ip_address=client_ip(request),
            )
        except branding.BrandingRefused as refusal:
            errors, status = [str(refusal)], 400
        else:
            messages.success(request, "Saved.")
            return redirect("settings_branding")
    return settings_render(
        request,
        "branding.html",
        {
            "current": "settings_branding",
            "organisation": organisation,
            "brand": branding.for_organisation(organisation),
            "errors": errors,
            "default_colour": branding.DEFAULT_COLOUR,
        },
        status=status,
    )
