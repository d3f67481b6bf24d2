"""The borrower's pre-qualification calculator (`calculator/<org-slug>/`): a public, frameable intake page that
works without script. An estimate posts back to the same page (eligibility assesses it, nothing is stored);
"Get my personalised quote" goes through the one door like the hosted web form (IntakeRecord first, then
flows.lead_arrives) and attaches the calculator's scenario to the lead as an Assessment.
"""

import logging
from dataclasses import replace
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from firstcall.accounts.client import client_ip
from firstcall.accounts.models import Organisation
from firstcall.accounts.throttle import is_rate_limited
from firstcall.eligibility import services
from firstcall.eligibility.engine import OverlayError
from firstcall.eligibility.scenario_from_lead import (
    BuiltScenario,
    calculator_scenario,
)
from firstcall.eligibility.views import _usd, program_cards
from firstcall.flows.lead_arrives import lead_arrives
from firstcall.intake.adapters import IntakeParseError
from firstcall.intake.calculator.forms import CalculatorForm
from firstcall.intake.recording import record_request
from firstcall.intake.web_form import fields as form_fields
from firstcall.intake.web_form.adapter import is_web_url, submission_from_record
from firstcall.intake.web_form.tokens import max_age_seconds, read_form_token
from firstcall.intake.web_form.views import (
    NOTICE_RATE_LIMITED,
    NOTICE_SUBMIT_AGAIN,
    REASON_BAD_TOKEN,
    REASON_HONEYPOT,
    REASON_RATE_LIMITED,
    embed_script_response,
    embeddable_by_its_sites,
    errors_by_field,
    public_form_context,
)
from firstcall.leads import services as lead_services
from firstcall.leads.models import Channel, LeadSource

logger = logging.getLogger(__name__)

# --- The borrower calculator ----------------------------------------------------------------------------

# An estimate stores nothing, and borrowers try several prices: allow more of them than lead posts.
ESTIMATES_PER_LEAD_POST = 5
REASON_CALCULATOR_INVALID = "Calculator answers invalid"
# Answers the calculator asks that the web form does not: not "unknown fields" of this source.
CALCULATOR_ONLY_FIELDS = ("annual_income", "monthly_debts", "household_size", "monthly_hoa")
# Fixed answers the calculator implies; posted as hidden fields so the stored body replays to the same lead.
IMPLIED_ANSWERS = (("purpose", "purchase"), ("property_use", "primary"))

_WEB_FORM_SPECS = {spec.name: spec for section in form_fields.SECTIONS for spec in section.fields}
FormField = form_fields.FormField
YES_NO = tuple(form_fields.YES_NO)

CALCULATOR_SECTIONS = (
    (
        "home",
        "The home",
        (
            replace(_WEB_FORM_SPECS["zip"], label="ZIP code of the home"),
            replace(_WEB_FORM_SPECS["purchase_price"], label="Home price", required=True),
            replace(
                _WEB_FORM_SPECS["down_payment"],
                required=True,
                hint="In dollars, for example 35,000. Enter 0 if none.",
            ),  # fmt: skip
            FormField(
                "property_type",
                "Type of home",
                "select",
                (
                    ("single_family", "House"),
                    ("condo", "Condo"),
                    ("townhouse", "Townhouse"),
                    ("manufactured", "Manufactured home"),
                ),
                blank_label="",
            ),  # fmt: skip
            FormField(
                "monthly_hoa",
                "HOA dues per month",
                "money",
                inputmode="decimal",
                hint="Leave blank if the home has none.",
                max_length=30,
            ),  # fmt: skip
        ),
    ),
    (
        "you",
        "You and your money",
        (
            replace(
                _WEB_FORM_SPECS["credit_band"],
                label="Your credit score range",
                required=True,
                blank_label="Choose…",
            ),  # fmt: skip
            FormField(
                "annual_income",
                "Household income per year, before taxes",
                "money",
                required=True,
                inputmode="decimal",
                hint="For example 95,000.",
                max_length=30,
            ),  # fmt: skip
            FormField(
                "monthly_debts",
                "Monthly debt payments",
                "money",
                required=True,
                inputmode="decimal",
                hint="Car, student loan and minimum card payments, not rent. Enter 0 if none.",
                max_length=30,
            ),  # fmt: skip
            FormField(
                "household_size",
                "People in your household",
                inputmode="numeric",
                max_length=2,
                hint="VA and USDA limits depend on it.",
            ),  # fmt: skip
            replace(_WEB_FORM_SPECS["first_time_buyer"], required=True),
            replace(_WEB_FORM_SPECS["veteran"], required=True),
        ),
    ),
)
CONTACT_SECTION = (
    "contact",
    "Your details",
    tuple(_WEB_FORM_SPECS[name] for name in ("first_name", "last_name", "phone", "email")),
)


def _calculator_for(org_slug: str) -> tuple[Organisation | None, LeadSource | None]:
    organisation = Organisation.objects.filter(slug=org_slug).first()
    if organisation is None:
        return None, None
    return organisation, services.calculator_source(organisation)


def _calculator_source(org_slug: str) -> LeadSource | None:
    return _calculator_for(org_slug)[1]


def _calculator_fields(
    sections, values, errors: dict[str, list[str]], summary: list, focus: list
) -> list[dict]:
    """Each field with its value, errors and aria wiring, as intake/web_form/field.html renders it."""
    rendered_sections = []
    for key, legend, specs in sections:
        rendered = []
        for spec in specs:
            field_id = f"id_{spec.name}"
            field_errors = errors.get(spec.name, [])
            described = [f"{field_id}_hint"] if spec.hint else []
            if field_errors:
                described.append(f"{field_id}_error")
                summary.append({
                    "anchor": f"{field_id}_1" if spec.kind == "radio" else field_id,
                    "label": spec.label, "message": " ".join(field_errors),
                })  # fmt: skip
            value = str(values.get(spec.name, "") or "")[: spec.max_length]
            choices = [
                {"value": choice, "label": label, "selected": choice == value, "id": f"{field_id}_{index}"}
                for index, (choice, label) in enumerate(spec.choices, start=1)
            ]
            rendered.append({
                "spec": spec, "id": field_id, "value": value, "errors": field_errors, "choices": choices,
                "describedby": " ".join(described), "autofocus": bool(field_errors) and not focus,
            })  # fmt: skip
            if field_errors:
                focus.append(spec.name)
        rendered_sections.append({"key": key, "legend": legend, "fields": rendered})
    return rendered_sections


def calculator_results(built: BuiltScenario, result: dict) -> list[dict]:
    """The programs a borrower should see: conventional and FHA always, VA for veterans (the scenario asks for
    it only then), USDA and jumbo only when they may fit (a jumbo "not needed" is noise to a borrower)."""
    price = Decimal(built.scenario["purchase_price"])
    shown = []
    for card in program_cards(result):
        if card["program"] in ("usda", "jumbo") and card["status"] == "ineligible":
            continue
        figures = card["raw_figures"]
        card["borrower_status"] = BORROWER_STATUS[card["status"]]
        card["loan_amount"] = _usd(figures["total_loan_amount"])
        card["upfront_fee"] = _usd(figures["upfront_fee"]) if Decimal(figures["upfront_fee"] or 0) else ""
        card["price_range"] = _price_range(price, figures["max_purchase_price"])
        card["reasons"] = [check["message"] for check in card["failed_checks"][:3]]
        shown.append(card)
    return shown


BORROWER_STATUS = {
    "eligible": "Looks possible",
    "refer": "Possible: a loan officer needs to check a few things",
    "ineligible": "Does not fit as entered",
}


def _price_range(price: Decimal, max_price) -> str:
    if not max_price:
        return "We could not estimate a price range for this program from these answers."
    maximum = Decimal(max_price)
    if maximum >= price:
        return (
            f"Estimated price range: up to {_usd(maximum)} with the same down payment "
            f"(you entered {_usd(price)})."
        )
    return (
        f"Estimated price range: up to {_usd(maximum)} with the same down payment, less than the "
        f"{_usd(price)} you entered."
    )


def _page_url_for_get(request) -> str:
    """Where the consent disclosure is shown: the embedding page (from embed.js or the iframe's Referer), else
    this page (the same rule as the web form)."""
    reported = request.GET.get(form_fields.PAGE_URL_FIELD, "")
    if is_web_url(reported):
        return reported[:1000]
    referer = request.headers.get("Referer", "")
    if request.GET.get("embed") == "1" and is_web_url(referer):
        return referer[:1000]
    return request.build_absolute_uri(request.path)[:1000]


def _render_calculator(request, source, *, values, form=None, capture_errors=None, estimate=None,
                       notice: str = "", status: int = 200) -> HttpResponse:  # fmt: skip
    errors: dict[str, list[str]] = {}
    if form is not None and form.is_bound:
        errors.update({name: list(messages) for name, messages in form.errors.items()})
    for name, messages in errors_by_field(capture_errors or {}).items():
        errors.setdefault(name, []).extend(messages)
    summary, focus = [], []
    sections = _calculator_fields(CALCULATOR_SECTIONS, values, errors, summary, focus)
    # The quote step follows an estimate; it also stays on screen when a quote post comes back with problems.
    show_contact = estimate is not None or any(values.get(spec.name) for spec in CONTACT_SECTION[2])
    contact = (
        _calculator_fields((CONTACT_SECTION,), values, errors, summary, focus)[0] if show_contact else None
    )
    built, result = estimate or (None, None)
    context = {
        **public_form_context(source, values),
        "sections": sections,
        "contact": contact,
        "error_summary": summary,
        "notice": notice,
        "implied": IMPLIED_ANSWERS,
        "results": calculator_results(built, result) if result else None,
        "estimate_failed": estimate is not None and result is None,
        "assumptions": built.assumptions if built else [],
        "rule_set_version": result["rule_set_version"] if result else "",
    }
    return render(request, "eligibility/calculator.html", context, status=status)


def _unavailable(request, *, status: int, message: str = "") -> HttpResponse:
    return render(request, "eligibility/calculator_unavailable.html", {"message": message, "status": status},
                  status=status)  # fmt: skip


def _estimate(form: CalculatorForm, organisation) -> tuple[BuiltScenario, dict | None]:
    """The calculator's scenario and its assessment; None when the lender's overlays cannot be applied (a
    broken overlay must not cost the lender the borrower: the quote step still works)."""
    built = calculator_scenario(form.answers())
    try:
        return built, services.run_assessment(built.scenario, organisation=organisation)
    except OverlayError:
        logger.warning("Calculator of organisation %s: its lender overlays are invalid", organisation.pk)
        return built, None


@csrf_exempt  # embedded cross-site where our CSRF cookie is not sent; an estimate changes nothing
@embeddable_by_its_sites(_calculator_source)
@require_http_methods(["GET", "POST"])
def calculator(request: HttpRequest, org_slug: str) -> HttpResponse:
    """GET: the questions. POST: the estimate per program, then the "Get my personalised quote" step."""
    organisation, source = _calculator_for(org_slug)
    if source is None or not source.is_active:
        return _unavailable(request, status=404)
    if request.method == "GET":
        values = {
            name: request.GET[name][:200] for name in form_fields.ATTRIBUTION_FIELDS if request.GET.get(name)
        }
        values[form_fields.PAGE_URL_FIELD] = _page_url_for_get(request)
        values[form_fields.EMBED_FIELD] = "1" if request.GET.get("embed") == "1" else ""
        return _render_calculator(request, source, values=values)
    try:
        posted = request.POST
    except TooManyFieldsSent:
        return _unavailable(request, status=400, message="This form could not be read. Please send it again.")
    limit = settings.FORM_RATE_LIMIT_PER_MINUTE * ESTIMATES_PER_LEAD_POST
    if is_rate_limited(f"calculator_estimate:{client_ip(request)}", limit):
        return _render_calculator(request, source, values=posted, notice=NOTICE_RATE_LIMITED, status=429)
    form = CalculatorForm(posted)
    if not form.is_valid():
        return _render_calculator(request, source, values=posted, form=form)
    return _render_calculator(
        request, source, values=posted, form=form, estimate=_estimate(form, organisation)
    )


@csrf_exempt  # the signed form token stands in for the CSRF cookie, as on the web form
@embeddable_by_its_sites(_calculator_source)
@require_POST
def calculator_quote(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The borrower asks for a quote: record first, check, capture(), then attach the scenario as an
    Assessment."""
    organisation, source = _calculator_for(org_slug)
    record, _ = record_request(request, channel=Channel.WEB_FORM, source=source, organisation=organisation)
    if source is None:
        lead_services.reject_intake(record, reasons=["No organisation has this calculator address"])
        return _unavailable(request, status=404)
    if not source.is_active:
        lead_services.reject_intake(record, reasons=["This calculator's lead source is paused"])
        return _unavailable(request, status=404)
    if record.is_body_truncated:
        lead_services.reject_intake(record, reasons=record.reasons)
        return _unavailable(request, status=413, message="Your message was too long to send.")
    try:
        posted = request.POST
    except TooManyFieldsSent:
        lead_services.reject_intake(record, reasons=["The post has too many fields to be this form"])
        return _unavailable(request, status=400, message="This form could not be read. Please send it again.")
    if is_rate_limited(f"calculator:{client_ip(request)}", settings.FORM_RATE_LIMIT_PER_MINUTE):
        lead_services.reject_intake(record, reasons=[REASON_RATE_LIMITED])
        return _render_calculator(request, source, values=posted, notice=NOTICE_RATE_LIMITED, status=429)
    if posted.get(form_fields.HONEYPOT_FIELD, "").strip():
        lead_services.reject_intake(
            record, reasons=[REASON_HONEYPOT]
        )  # bots see the same thank-you as people
        return _thanks_redirect(organisation, posted)
    token = read_form_token(
        posted.get(form_fields.TOKEN_FIELD, ""), source_id=source.pk, max_age=max_age_seconds()
    )
    form = CalculatorForm(posted)
    if token is None:
        lead_services.reject_intake(record, reasons=[REASON_BAD_TOKEN])
        estimate = _estimate(form, organisation) if form.is_valid() else None
        return _render_calculator(request, source, values=posted, form=form, estimate=estimate,
                                  notice=NOTICE_SUBMIT_AGAIN)  # fmt: skip
    if not form.is_valid():
        field_errors = {name: list(errors) for name, errors in form.errors.items()}
        lead_services.reject_intake(record, reasons=[REASON_CALCULATOR_INVALID], field_errors=field_errors)
        return _render_calculator(request, source, values=posted, form=form)
    try:
        submission = submission_from_record(record)
    except IntakeParseError as error:
        lead_services.reject_intake(record, reasons=[error.reason])
        return _unavailable(request, status=400, message="This form could not be read. Please send it again.")
    for name in CALCULATOR_ONLY_FIELDS:
        submission.unknown_fields.pop(name, None)
    submission.annual_income = str(form.cleaned_data["annual_income"])
    submission.monthly_debts = str(form.cleaned_data["monthly_debts"])
    result = lead_arrives(submission, organisation=organisation, intake_record=record, source=source)
    estimate = _estimate(form, organisation)
    if not result.is_accepted:
        return _render_calculator(request, source, values=posted, form=form, estimate=estimate,
                                  capture_errors=result.errors)  # fmt: skip
    if not result.is_replay and estimate[1] is not None:  # a repeated post already attached its assessment
        services.assess_and_store(estimate[0].scenario, organisation=organisation, lead=result.lead)
    return _thanks_redirect(organisation, posted)


def _thanks_redirect(organisation, posted) -> HttpResponse:
    url = reverse("calculator_thanks", args=[organisation.slug])
    if posted.get(form_fields.EMBED_FIELD):
        url += "?" + urlencode({"embed": "1"})
    response = HttpResponse(status=303)
    response["Location"] = url
    return response


@embeddable_by_its_sites(_calculator_source)
@require_GET
def calculator_thanks(request: HttpRequest, org_slug: str) -> HttpResponse:
    organisation, source = _calculator_for(org_slug)
    if source is None or not source.is_active:
        return _unavailable(request, status=404)
    return render(request, "eligibility/calculator_thanks.html", {
        "source": source, "organisation": organisation, "embed": request.GET.get("embed") == "1",
    })  # fmt: skip


@require_GET
def calculator_embed_script(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The web form's embed script, pointed at the calculator: an iframe that grows with its page."""
    organisation, source = _calculator_for(org_slug)
    if source is None or not source.is_active:
        return HttpResponse("/* FirstCall: this calculator is not available. */\n", status=404,
                            content_type="text/javascript; charset=utf-8")  # fmt: skip
    return embed_script_response(request, source, reverse("calculator", args=[organisation.slug]))
