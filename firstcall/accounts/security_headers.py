"""Browser protections on every response (OWASP Secure Headers):

- Content-Security-Policy: scripts only from our own origin (no inline script, no eval), nothing framed from
  elsewhere, forms post only to us, and `frame-ancestors 'none'` so no other site can frame a page (against
  clickjacking). The public pages made to be embedded (the lead form, the calculator) say which sites may frame
  them: the view sets `response.frame_ancestors` (the source's allow-list), else FIRSTCALL_EMBED_FRAME_ANCESTORS.
- Cache-Control: no-store unless a view chose its own caching: pages carry borrower data, and neither the
  browser's history cache nor a proxy may keep them (GLBA Safeguards Rule, 16 CFR 314.4(c)).
- Permissions-Policy: no camera, microphone, location, payment or USB access for any page.

Referrer-Policy, X-Content-Type-Options, HSTS and the HTTPS redirect come from Django's SecurityMiddleware
(settings.py). Place this middleware after WhiteNoise, so static files keep their long cache lifetimes.
"""

from django.conf import settings
from django.utils.cache import patch_cache_control

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), magnetometer=(), gyroscope=(), "
    "accelerometer=(), display-capture=(), interest-cohort=()"
)
CSP_WITHOUT_FRAME_ANCESTORS = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'"
)


NONE = "'none'"


def content_security_policy(frame_ancestors: list[str] | tuple[str, ...]) -> str:
    return f"{CSP_WITHOUT_FRAME_ANCESTORS}; frame-ancestors {' '.join(frame_ancestors) or NONE}"


def embed_frame_ancestors(origins: list[str]) -> list[str]:
    """Who may frame an embeddable page: ourselves, plus the listed sites."""
    return ["'self'", *origins]


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "xframe_options_exempt", False):
            ancestors = getattr(response, "frame_ancestors", None) or settings.EMBED_FRAME_ANCESTORS
        else:
            ancestors = [NONE]
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(ancestors)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        cache_control = response.get("Cache-Control", "")
        if not cache_control:
            response["Cache-Control"] = "no-store"
        elif "no-store" not in cache_control and "public" not in cache_control:
            patch_cache_control(response, no_store=True)
        return response
