"""The borrower and partner portals' pages (delivery): sign-in by link, the signed-in home, and the borrower's
pages (documents, messages, figures, preferences; what they do is firstcall/flows/borrower_portal.py).

The portal identity lives in the session under its own key (portals.services.SESSION_KEY); nobody is ever
logged in as a Django user here, so a portal session can never reach staff pages, and a staff session is not
a portal session."""

from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.shortcuts import render as django_render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from firstcall.accounts.client import client_ip
from firstcall.accounts.models import Organisation
from firstcall.accounts.throttle import is_rate_limited
from firstcall.flows import borrower_portal, partner_portal
from firstcall.flows.portal_sign_in import send_sign_in_link
from firstcall.portals import branding, partners
from firstcall.portals import services as portals
from firstcall.portals.access import borrower_lead

MESSAGES = {
    portals.EXPIRED: "This sign-in link has expired.",
    portals.USED: "This sign-in link has already been used.",
    portals.INVALID: "This sign-in link is not valid.",
}


def render(request, template: str, context: dict, status: int = 200):
    """Every portal page carries the organisation's branding (name, colour, logo; escaped by the template)."""
    organisation = context.get("organisation")
    brand = branding.for_organisation(organisation) if organisation is not None else None
    response = django_render(request, template, {**context, "brand": brand}, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def portal_identity(request) -> dict | None:
    return request.session.get(portals.SESSION_KEY)


@require_http_methods(["GET", "POST"])
def request_link(request, org_slug):
    organisation = get_object_or_404(Organisation, slug=org_slug)
    context = {"organisation": organisation, "error": "", "sent": False}
    if request.method == "POST":
        raw = (request.POST.get("address") or "").strip()[:254]
        parsed = portals.parse_address(raw)
        ip = client_ip(request)
        if parsed is None:
            context["error"] = "Enter the email address or mobile number your loan officer has for you."
        elif is_rate_limited(
            f"portal-link-ip:{ip}", getattr(settings, "PORTAL_LINKS_PER_IP_PER_MINUTE", 10)
        ) or (
            is_rate_limited(
                f"portal-link-addr:{parsed[1]}", getattr(settings, "PORTAL_LINKS_PER_ADDRESS_PER_MINUTE", 3)
            )
        ):
            return render(
                request,
                "web/portal/request.html",
                {
                    **context,
                    "error": ("Too many sign-in links were asked for. Please wait a minute and try again."),
                },
                status=429,
            )
        else:
            send_sign_in_link(
                organisation,
                raw,
                link_url=lambda token: request.build_absolute_uri(reverse("portal_redeem", args=[token])),
                ip_address=ip,
            )
            context["sent"] = True  # the same answer whether or not the address is known
    return render(request, "web/portal/request.html", context)


@require_http_methods(["GET", "POST"])
def redeem_link(request, token):
    """GET shows a button (so a mail scanner opening the link does not use it up); POST signs in."""
    if request.method == "GET":
        return render(request, "web/portal/redeem.html", {"token": token})
    result = portals.redeem(token, ip_address=client_ip(request))
    if not result.ok:
        organisation = Organisation.objects.filter(pk=result.organisation_id).first()
        return render(
            request,
            "web/portal/link_failed.html",
            {"message": MESSAGES[result.reason], "organisation": organisation},
            status=400,
        )
    request.session.cycle_key()
    request.session[portals.SESSION_KEY] = result.identity
    return redirect("portal_home")


def home(request):
    identity = portal_identity(request)
    if identity is None:
        raise Http404
    if identity.get("party") == "partner":
        return partner_home(request)
    lead = borrower_lead(identity)
    if lead is None:
        raise Http404
    portals.record_view(identity, "home", ip_address=client_ip(request))
    organisation = Organisation.objects.get(pk=identity["organisation_id"])
    context = {"identity": identity, "organisation": organisation, "lead": lead, "page": "home"}
    if lead is not None:
        context.update(
            progress=borrower_portal.progress(lead),
            officer=borrower_portal.officer(lead),
            missing=[need for need in borrower_portal.needs_list(lead) if not need.met],
            letters=list(partners.valid_letters(lead)[:3]),
        )
    return render(request, "web/portal/home.html", context)


def borrower_page(page: str):
    """A borrower's page: the portal session's own lead or 404 (no session, a partner, a staff session), and
    every view audited like the sign-in."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            identity = portal_identity(request)
            lead = borrower_lead(identity)
            if lead is None:
                raise Http404
            portals.record_view(identity, page, ip_address=client_ip(request))
            return view(request, lead, *args, **kwargs)

        return wrapped

    return decorate


def _borrower_context(lead, page: str, **extra) -> dict:
    return {"organisation": lead.organisation, "lead": lead, "page": page, **extra}


@require_http_methods(["GET", "POST"])
@borrower_page("documents")
def documents(request, lead):
    notices, errors, status = [], [], 200
    if request.method == "POST":
        files = request.FILES.getlist("files")
        if not files:
            errors.append("Choose a photo or a file first.")
            status = 400
        for item in files:
            try:
                outcome = borrower_portal.upload(lead, file_name=item.name, size=item.size, read=item.read)
            except borrower_portal.UploadRefused as refusal:
                errors.append(str(refusal))
                status = 400
                continue
            notices.append(
                f"{item.name} was already received."
                if outcome.duplicate
                else f"Received {item.name}. Thank you."
            )
    limit_mb = borrower_portal.upload_limit() // (1024 * 1024)
    return render(
        request,
        "web/portal/documents.html",
        _borrower_context(
            lead,
            "documents",
            needs=borrower_portal.needs_list(lead),
            uploads=borrower_portal.uploads(lead),
            notices=notices,
            errors=errors,
            limit_mb=limit_mb,
        ),
        status=status,
    )


@borrower_page("document")
def document_file(request, lead, document_id: int):
    document = borrower_portal.own_document(lead, document_id)
    if document is None:
        raise Http404
    data = borrower_portal.read_own_document(lead, document, ip_address=client_ip(request))
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="document-{document.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@borrower_page("messages")
def messages(request, lead):
    error, status = "", 200
    if request.method == "POST":
        try:
            borrower_portal.send_message(lead, request.POST.get("body", ""))
        except ValueError:
            error, status = "Write a message first.", 400
        else:
            return redirect("portal_messages")
    return render(
        request,
        "web/portal/messages.html",
        _borrower_context(
            lead,
            "messages",
            thread=borrower_portal.thread(lead),
            error=error,
            officer=borrower_portal.officer(lead),
        ),
        status=status,
    )


@borrower_page("figures")
def figures(request, lead):
    what_if, errors = borrower_portal.parse_what_if(request.GET)
    result = borrower_portal.prequalification(lead, {} if errors else what_if)
    return render(
        request,
        "web/portal/figures.html",
        _borrower_context(lead, "figures", result=result, errors=errors),
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@borrower_page("preferences")
def preferences(request, lead):
    notice = ""
    if request.method == "POST":
        channel, action = request.POST.get("channel", ""), request.POST.get("action", "")
        if channel not in borrower_portal.portal.CHANNELS or action not in ("give", "withdraw"):
            return HttpResponse("Unknown choice.", status=400)
        label = borrower_portal.portal.CHANNELS[channel].lower()
        if action == "withdraw":
            borrower_portal.revoke(lead, channel)
            notice = f"Done: you will get no more {label} from us."
        else:
            try:
                borrower_portal.give(
                    lead,
                    channel,
                    ip_address=client_ip(request),
                    user_agent=request.headers.get("User-Agent", ""),
                    page_url=request.build_absolute_uri(),
                )
            except ValueError:
                return HttpResponse("There is no address on file for this.", status=400)
            notice = f"Thank you: we have recorded your consent for {label}."
        lead.refresh_from_db()
    return render(
        request,
        "web/portal/preferences.html",
        _borrower_context(
            lead,
            "preferences",
            channels=borrower_portal.consents(lead),
            notice=notice,
            sharing=[
                {
                    "partner": partner,
                    "name": partners.partner_name(partner),
                    "shared": partners.is_shared(lead, partner),
                    "text": partners.sharing_text(lead, partner),
                    "history": partners.sharing_history(lead, partner),
                }
                for partner in partners.referring_partners(lead)
                if partner.is_active
            ],
        ),
    )


@require_POST
def sign_out(request):
    organisation_id = (portal_identity(request) or {}).get("organisation_id")
    request.session.pop(portals.SESSION_KEY, None)
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is not None:
        return redirect("portal_request_link", org_slug=organisation.slug)
    return redirect("/")


# --- Letters and sharing (borrower) -----------------------------------------------------------------------------


def _pdf_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@borrower_page("letter")
def borrower_letter(request, lead, letter_id: int):
    """The borrower's own valid pre-approval letter; any other id answers 404."""
    letter = partners.valid_letters(lead).filter(pk=letter_id).first()
    if letter is None:
        raise Http404
    partners.record_letter_download(letter, party="borrower", ip_address=client_ip(request))
    return _pdf_response(partners.letter_pdf(letter), f"pre-approval-{letter.pk}.pdf")


@require_POST
@borrower_page("sharing")
def borrower_sharing(request, lead):
    """The borrower lets a partner who referred them follow the loan's milestones, or stops it."""
    partner = partners.active_partner(lead.organisation, request.POST.get("partner_id"))
    action = request.POST.get("action", "")
    if (
        partner is None
        or partner not in partners.referring_partners(lead)
        or action not in ("give", "withdraw")
    ):
        raise Http404
    if action == "give":
        partners.grant_sharing(
            lead,
            partner,
            how=borrower_portal.PORTAL_HOW,
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            page_url=request.build_absolute_uri(reverse("portal_preferences")),
        )
    else:
        partners.revoke_sharing(lead, partner, how=borrower_portal.REVOKED_HOW)
    return redirect(reverse("portal_preferences") + "#sharing")


# --- Partner pages ----------------------------------------------------------------------------------------------


def partner_page(page: str):
    """A partner's page: an active partner account of the session's organisation, else 404 (no session, a
    borrower, a staff session, a partner since deactivated or given a staff role); every view audited."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            identity = portal_identity(request)
            if not identity or identity.get("party") != "partner":
                raise Http404
            organisation = Organisation.objects.filter(pk=identity.get("organisation_id")).first()
            partner = partners.active_partner(organisation, identity.get("user_id")) if organisation else None
            if partner is None:
                raise Http404
            portals.record_view(identity, page, ip_address=client_ip(request))
            return view(request, partner, *args, **kwargs)

        return wrapped

    return decorate


def _partner_context(partner, page: str, **extra) -> dict:
    return {"organisation": partner.organisation, "partner": partner, "page": page, **extra}


@partner_page("partner_home")
def partner_home(request, partner):
    return render(
        request,
        "web/portal/partner_home.html",
        _partner_context(partner, "home", rows=partner_portal.referral_rows(partner)),
    )


REFERRAL_FIELDS = ("first_name", "last_name", "email", "phone", "purpose", "zip", "notes")


@require_http_methods(["GET", "POST"])
@partner_page("partner_refer")
def partner_refer(request, partner):
    errors, values, status = {}, {"purpose": "purchase"}, 200
    if request.method == "POST" and is_rate_limited(
        f"portal-referral:{partner.pk}", getattr(settings, "PORTAL_REFERRALS_PER_MINUTE", 10)
    ):
        errors, status = (
            {"form": ["Too many referrals in a minute. Please wait a minute and send it again."]},
            429,
        )
        values = {name: (request.POST.get(name) or "").strip()[:500] for name in REFERRAL_FIELDS}
    elif request.method == "POST":
        values = {name: (request.POST.get(name) or "").strip()[:500] for name in REFERRAL_FIELDS}
        referral = partner_portal.Referral(
            **values, borrower_expects_call=request.POST.get("borrower_expects_call") == "yes"
        )
        result = partner_portal.submit_referral(
            partner,
            referral,
            ip_address=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
            page_url=request.build_absolute_uri(),
        )
        if result.is_accepted:
            return redirect(reverse("portal_home") + "?referred=1")
        errors, status = result.errors, 400
    return render(
        request,
        "web/portal/partner_refer.html",
        _partner_context(
            partner,
            "refer",
            values=values,
            errors=errors,
            purposes=partner_portal.PURPOSES,
            expects_call_text=partner_portal.expects_call_text(partner.organisation),
        ),
        status=status,
    )


@partner_page("partner_letter")
def partner_letter(request, partner, lead_id: int, letter_id: int):
    """A letter on one of the partner's own referrals, only while the borrower shares with them; else 404."""
    letter = partner_portal.shared_letter(partner, lead_id, letter_id)
    if letter is None:
        raise Http404
    partners.record_letter_download(letter, party="partner", actor=partner, ip_address=client_ip(request))
    return _pdf_response(partners.letter_pdf(letter), f"pre-approval-{letter.pk}.pdf")


@require_POST
@partner_page("partner_letter_lower_price")
def partner_letter_lower_price(request, partner, lead_id: int, letter_id: int):
    """A copy of a shared, valid letter at a lower price (never above the approved amount); the partner is sent
    to download it. A letter the partner may not download answers 404."""
    letter = partner_portal.shared_letter(partner, lead_id, letter_id)
    if letter is None:
        raise Http404
    try:
        copy = partners.letter_at_lower_price(
            letter,
            request.POST.get("amount"),
            requested_by=partner,
            party="partner",
            ip_address=client_ip(request),
        )
    except partners.PartnerRefused as refusal:
        context = _partner_context(
            partner, "home", rows=partner_portal.referral_rows(partner), letter_error=str(refusal),
            letter_error_lead=lead_id,
        )  # fmt: skip
        return render(request, "web/portal/partner_home.html", context, status=400)
    return redirect(reverse("portal_partner_letter", args=[lead_id, copy.pk]))


@require_http_methods(["GET", "POST"])
@partner_page("partner_alerts")
def partner_alerts(request, partner):
    """Whether the partner hears of their sharing borrowers' milestones, by text and/or email."""
    error, status = "", 200
    if request.method == "POST":
        try:
            partners.set_alert_preference(
                partner,
                by_text=request.POST.get("by_text") == "yes",
                by_email=request.POST.get("by_email") == "yes",
                ip_address=client_ip(request),
            )
        except partners.PartnerRefused as refusal:
            error, status = str(refusal), 400
        else:
            return redirect(reverse("portal_partner_alerts") + "?saved=1")
    context = _partner_context(partner, "alerts", preference=partners.alert_preference(partner), error=error)
    return render(request, "web/portal/partner_alerts.html", context, status=status)


def organisation_logo(request, org_slug):
    """The organisation's logo for its portal pages (public, like its name)."""
    organisation = get_object_or_404(Organisation, slug=org_slug)
    brand = branding.for_organisation(organisation)
    if not brand.has_logo:
        raise Http404
    response = HttpResponse(brand.logo, content_type=brand.logo_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=300"
    return response
