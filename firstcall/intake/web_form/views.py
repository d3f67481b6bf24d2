"""The hosted, embeddable lead form: /f/<source>/, its embed script, its thank-you page, and the share screen.

A post is recorded first, then checked (source, size, rate limit, honeypot, signed token), parsed by the
adapter from the stored record (so a replay parses exactly what the live request did) and handed to capture().
"""

from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages as notices
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from firstcall.accounts.client import client_ip
from firstcall.accounts.security_headers import embed_frame_ancestors
from firstcall.accounts.services import record_audit
from firstcall.accounts.throttle import is_rate_limited
from firstcall.flows.lead_arrives import lead_arrives
from firstcall.intake.adapters import IntakeParseError
from firstcall.intake.recording import record_request
from firstcall.intake.web_form import fields as form_fields
from firstcall.intake.web_form.adapter import is_web_url, submission_from_record
from firstcall.intake.web_form.tokens import make_form_token, max_age_seconds, read_form_token
from firstcall.leads import services as lead_services
from firstcall.leads.access import can_manage_intake
from firstcall.leads.models import Channel, LeadSource

NOTICE_SUBMIT_AGAIN = (
    "Sorry, we could not accept this form because it was open for a long time or could not be verified. "
    "Your answers are still here: please check them and send the form again."
)
NOTICE_RATE_LIMITED = (
    "We received many forms from your network in the last minute. "
    "Please wait a minute, then send the form again."
)
REASON_HONEYPOT = "honeypot"
REASON_BAD_TOKEN = "Form token missing, invalid or expired; the visitor was asked to send the form again"
REASON_RATE_LIMITED = "Rate limited: too many form posts from this address in a minute"


def _form_source(public_id: str) -> LeadSource | None:
    return (
        LeadSource.objects.select_related("organisation")
        .filter(public_id=public_id, channel=Channel.WEB_FORM)
        .first()
    )


def embeddable_by_its_sites(find_source):
    """Let the listed sites of a public page's lead source (and only them) show the page in a frame: the
    Content-Security-Policy frame-ancestors of the response (accounts/security_headers.py)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            source = find_source(**kwargs)
            response.xframe_options_exempt = True
            response.frame_ancestors = embed_frame_ancestors(source.embed_origins if source else [])
            return response

        return wrapped

    return decorator


@csrf_exempt  # embedded cross-site, where the CSRF cookie is not sent: the signed form token protects posts
@embeddable_by_its_sites(_form_source)
@require_http_methods(["GET", "POST"])
def web_form(request: HttpRequest, public_id: str) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, public_id)
    source = _form_source(public_id)
    if source is None or not source.is_active:
        return _unavailable(request, status=404)
    values = {
        name: request.GET[name][:200] for name in form_fields.ATTRIBUTION_FIELDS if request.GET.get(name)
    }
    values[form_fields.PAGE_URL_FIELD] = _page_url_for_get(request)
    values[form_fields.EMBED_FIELD] = "1" if _is_embedded(request) else ""
    return _render_form(request, source, values=values)


def _submit(request: HttpRequest, public_id: str) -> HttpResponse:
    source = LeadSource.objects.select_related("organisation").filter(public_id=public_id).first()
    record, _ = record_request(request, channel=Channel.WEB_FORM, source=source)
    if source is None or source.channel != Channel.WEB_FORM:
        lead_services.reject_intake(record, reasons=["No web form has this id"])
        return _unavailable(request, status=404)
    if not source.is_active:
        lead_services.reject_intake(record, reasons=["This web form's lead source is paused"])
        return _unavailable(request, status=404)
    if record.is_body_truncated:
        # The body was not read whole, so request.POST must not be touched: answer with a plain page.
        lead_services.reject_intake(record, reasons=record.reasons)
        return _unavailable(
            request, status=413, message="Your message was too long to send. Please shorten it."
        )
    try:
        posted = request.POST
    except TooManyFieldsSent:
        lead_services.reject_intake(record, reasons=["The post has too many fields to be this form"])
        return _unavailable(request, status=400, message="This form could not be read. Please send it again.")
    if is_rate_limited(f"web_form:{client_ip(request)}", settings.FORM_RATE_LIMIT_PER_MINUTE):
        lead_services.reject_intake(record, reasons=[REASON_RATE_LIMITED])
        return _render_form(request, source, values=posted, notice=NOTICE_RATE_LIMITED, status=429)
    if posted.get(form_fields.HONEYPOT_FIELD, "").strip():
        # Bots get the same thank-you page as people, so they learn nothing from the answer.
        lead_services.reject_intake(record, reasons=[REASON_HONEYPOT])
        return _thanks_redirect(source, posted)
    token = read_form_token(
        posted.get(form_fields.TOKEN_FIELD, ""), source_id=source.pk, max_age=max_age_seconds()
    )
    if token is None:
        lead_services.reject_intake(record, reasons=[REASON_BAD_TOKEN])
        return _render_form(request, source, values=posted, notice=NOTICE_SUBMIT_AGAIN)
    try:
        submission = submission_from_record(record)
    except IntakeParseError as error:
        lead_services.reject_intake(record, reasons=[error.reason])
        return _unavailable(request, status=400, message="This form could not be read. Please send it again.")
    result = lead_arrives(submission, organisation=source.organisation, intake_record=record, source=source)
    if result.is_accepted:
        return _thanks_redirect(source, posted)
    return _render_form(request, source, values=posted, errors=result.errors)


@embeddable_by_its_sites(_form_source)
@require_GET
def web_form_thanks(request: HttpRequest, public_id: str) -> HttpResponse:
    source = _form_source(public_id)
    if source is None or not source.is_active:
        return _unavailable(request, status=404)
    return render(
        request,
        "intake/web_form/thanks.html",
        {
            "source": source,
            "organisation": source.organisation,
            "embed": _is_embedded(request),
            "texts_from": settings.SMS_FROM_NUMBER,
        },
    )


@require_GET
def web_form_embed_script(request: HttpRequest, public_id: str) -> HttpResponse:
    source = _form_source(public_id)
    if source is None or not source.is_active:
        return HttpResponse(
            "/* FirstCall: this form is not available. */\n",
            status=404,
            content_type="text/javascript; charset=utf-8",
        )
    return embed_script_response(request, source, reverse("web_form", args=[source.public_id]))


def embed_script_response(request: HttpRequest, source: LeadSource, form_path: str) -> HttpResponse:
    """The script another site includes to show a public page of ours (this form, the borrower calculator)
    in an iframe that grows with its content."""
    script = render_to_string(
        "intake/web_form/embed.js",
        {"source": source, "form_path": form_path, "origin": request.build_absolute_uri("/").rstrip("/")},
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@login_required
@require_GET
def web_form_share(request: HttpRequest, source_id: int) -> HttpResponse:
    """For admins: the hosted link and the two ways to put the form on another site."""
    if not can_manage_intake(request.user):
        raise PermissionDenied
    source = get_object_or_404(
        LeadSource, pk=source_id, channel=Channel.WEB_FORM, organisation_id=request.user.organisation_id
    )
    form_url = request.build_absolute_uri(reverse("web_form", args=[source.public_id]))
    script_url = request.build_absolute_uri(reverse("web_form_embed_script", args=[source.public_id]))
    # Built here as plain text; the template escapes them for display in a read-only text box.
    snippets = {
        "script_snippet": f'<script src="{script_url}" async></script>',
        "iframe_snippet": (
            f'<iframe src="{form_url}?embed=1" title="{escape(source.form_title)}" '
            'style="width:100%;min-height:1400px;border:0"></iframe>'
        ),
    }
    return render(request, "intake/web_form/share.html", {
        "source": source, "form_url": form_url, "embed_sites": "\n".join(source.embed_origins), **snippets,
    })  # fmt: skip


def parse_origins(text: str) -> tuple[list[str], list[str]]:
    """One site per line to origins (https://www.example.com); returns (origins, lines that are not sites)."""
    origins, refused = [], []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            parts = urlsplit(line if "://" in line else "https://" + line)
            port = parts.port
        except ValueError:
            refused.append(line[:100])
            continue
        host_ok = parts.hostname and all(char.isalnum() or char in ".-" for char in parts.hostname)
        if parts.scheme not in ("https", "http") or not host_ok or " " in line:
            refused.append(line[:100])
            continue
        origin = f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port else "")
        if origin not in origins:
            origins.append(origin)
    return origins[:20], refused


@login_required
@require_POST
def web_form_embed_sites(request: HttpRequest, source_id: int) -> HttpResponse:
    """For admins: the sites allowed to show this form in a frame."""
    if not can_manage_intake(request.user):
        raise PermissionDenied
    source = get_object_or_404(
        LeadSource, pk=source_id, channel=Channel.WEB_FORM, organisation_id=request.user.organisation_id
    )
    origins, refused = parse_origins(request.POST.get("embed_sites", ""))
    if refused:
        notices.error(request, "Not a web site address: " + ", ".join(refused))
    else:
        before = source.embed_origins
        LeadSource.objects.filter(pk=source.pk).update(embed_origins=origins)
        record_audit(source.organisation, "lead_source.embed_sites_changed", actor=request.user,
                     detail={"source": source.pk, "before": before, "after": origins})  # fmt: skip
        notices.success(
            request, "Saved: the form may be embedded on " + (", ".join(origins) or "no other site")
        )
    return redirect("web_form_share", source_id=source.pk)


# --- Rendering ------------------------------------------------------------------------------------------


def _render_form(request, source: LeadSource, *, values, errors=None, notice: str = "", status: int = 200):
    errors = errors_by_field(errors or {})
    sections, summary = _sections_for_template(values, errors)
    context = {
        **public_form_context(source, values),
        "sections": sections,
        "error_summary": summary,
        "notice": notice,
    }
    return render(request, "intake/web_form/form.html", context, status=status)


def public_form_context(source: LeadSource, values) -> dict:
    """What every public page that collects a lead shows around its fields (this form and the borrower
    calculator): the consent disclosure with its signed token, the embedding page and the attribution carried
    through as hidden fields."""
    disclosure = source.effective_consent_text()
    return {
        "source": source,
        "organisation": source.organisation,
        "disclosure": disclosure,
        # Keep the box ticked on a re-render only if the visitor ticked it next to this very wording.
        "consent_checked": bool(values.get(form_fields.CONSENT_FIELD))
        and values.get(form_fields.CONSENT_TEXT_FIELD) == disclosure,
        "form_token": make_form_token(source.pk, disclosure),
        "page_url": values.get(form_fields.PAGE_URL_FIELD, ""),
        "embed": bool(values.get(form_fields.EMBED_FIELD)),
        "attribution": [
            (name, values.get(name, "")[:200]) for name in form_fields.ATTRIBUTION_FIELDS if values.get(name)
        ],
        "fields": form_fields,
    }


def errors_by_field(errors: dict) -> dict[str, list[str]]:
    by_field: dict[str, list[str]] = {}
    for name, messages in errors.items():
        target = form_fields.ERROR_FIELD_ALIASES.get(name, name)
        by_field.setdefault(target, []).extend(messages if isinstance(messages, list) else [str(messages)])
    return by_field


def _sections_for_template(values, errors: dict[str, list[str]]) -> tuple[list[dict], list[dict]]:
    """Each field with its value, errors, ids and aria wiring; and the error summary, in form order."""
    sections, summary = [], []
    first_error_seen = False
    for section in form_fields.SECTIONS:
        rendered = []
        for form_field in section.fields:
            field_id = f"id_{form_field.name}"
            value = str(values.get(form_field.name, "") or "")[: form_field.max_length]
            field_errors = errors.pop(form_field.name, [])
            described = [f"{field_id}_hint"] if form_field.hint else []
            if field_errors:
                described.append(f"{field_id}_error")
            anchor = f"{field_id}_1" if form_field.kind == "radio" else field_id
            autofocus = bool(field_errors) and not first_error_seen
            first_error_seen = first_error_seen or bool(field_errors)
            if field_errors:
                summary.append(
                    {"anchor": anchor, "label": form_field.label, "message": " ".join(field_errors)}
                )
            rendered.append(
                {
                    "spec": form_field,
                    "id": field_id,
                    "value": value,
                    "errors": field_errors,
                    "describedby": " ".join(described),
                    "autofocus": autofocus,
                    "choices": [
                        {
                            "value": choice,
                            "label": label,
                            "selected": choice == value,
                            "id": f"{field_id}_{index}",
                        }
                        for index, (choice, label) in enumerate(form_field.choices, start=1)
                    ],
                }
            )
        sections.append({"spec": section, "fields": rendered, "show_for": " ".join(section.for_purposes)})
    # Problems capture() reports for fields the form does not show (rare) still reach the visitor.
    for name, messages in errors.items():
        summary.append(
            {"anchor": "fc-form", "label": name.replace("_", " ").capitalize(), "message": " ".join(messages)}
        )
    return sections, summary


def _unavailable(request, *, status: int, message: str = "") -> HttpResponse:
    return render(
        request, "intake/web_form/unavailable.html", {"message": message, "status": status}, status=status
    )


def _thanks_redirect(source: LeadSource, posted) -> HttpResponse:
    url = reverse("web_form_thanks", args=[source.public_id])
    if posted.get(form_fields.EMBED_FIELD):
        url += "?" + urlencode({"embed": "1"})
    response = HttpResponse(status=303)
    response["Location"] = url
    return response


def _is_embedded(request) -> bool:
    return request.GET.get("embed") == "1"


def _page_url_for_get(request) -> str:
    """Where the disclosure is being shown: the embedding page (as the embed script reports it, or the
    iframe's Referer for a plain iframe), else this hosted page itself."""
    reported = request.GET.get("page_url", "")
    if is_web_url(reported):
        return reported[:1000]
    referer = request.headers.get("Referer", "")
    if _is_embedded(request) and is_web_url(referer):
        return referer[:1000]
    return request.build_absolute_uri(request.path)[:1000]
