"""The borrower and partner portals' pages (delivery): sign-in by link, and the signed-in home.

The portal identity lives in the session under its own key (portals.services.SESSION_KEY); nobody is ever
logged in as a Django user here, so a portal session can never reach staff pages, and a staff session is not
a portal session."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from firstcall.accounts.client import client_ip
from firstcall.accounts.models import Organisation
from firstcall.accounts.throttle import is_rate_limited
from firstcall.flows.portal_sign_in import send_sign_in_link
from firstcall.portals import services as portals

MESSAGES = {
    portals.EXPIRED: "This sign-in link has expired.",
    portals.USED: "This sign-in link has already been used.",
    portals.INVALID: "This sign-in link is not valid.",
}


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
    portals.record_view(identity, "home", ip_address=client_ip(request))
    organisation = Organisation.objects.get(pk=identity["organisation_id"])
    return render(request, "web/portal/home.html", {"identity": identity, "organisation": organisation})


@require_POST
def sign_out(request):
    organisation_id = (portal_identity(request) or {}).get("organisation_id")
    request.session.pop(portals.SESSION_KEY, None)
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is not None:
        return redirect("portal_request_link", org_slug=organisation.slug)
    return redirect("/")
