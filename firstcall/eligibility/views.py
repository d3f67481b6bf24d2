"""The HTML side of eligibility.

- The lead page's assessment panel (`leads/<id>/assessment/`): an htmx partial, or a full page without script.
  GET assesses the lead's scenario; POST re-runs a what-if without saving; `save/` stores it.
- The borrower's pre-qualification calculator is a public intake page: firstcall/intake/calculator/.
"""

import logging
from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from firstcall.accounts.models import User
from firstcall.eligibility import catalogue, services
from firstcall.eligibility.engine import RULE_SET_VERSION, OverlayError, ScenarioError
from firstcall.eligibility.forms import FORM_FIELD_FOR_ENGINE_FIELD, WhatIfForm
from firstcall.eligibility.models import Assessment
from firstcall.eligibility.scenario_from_lead import (
    BuiltScenario,
    escrow_basis,
    estimated_monthly_escrow,
    lead_scenario,
)
from firstcall.eligibility.services import CALCULATOR_TITLE, calculator_source  # noqa: F401 - part of this module's API
from firstcall.leads.access import visible_leads
from firstcall.lib.money import InvalidMoney, parse_money

logger = logging.getLogger(__name__)

PROGRAM_LABELS = {"conventional": "Conventional", "fha": "FHA", "va": "VA", "usda": "USDA", "jumbo": "Jumbo"}
STATUS_LABELS = {"eligible": "Eligible", "refer": "Refer", "ineligible": "Ineligible"}
# The engine's suggestions name the scenario field to change; these are the ones the what-if form can apply.
APPLICABLE_SUGGESTION_FIELDS = {
    "as_of", "credit_score", "down_payment", "loan_amount", "monthly_debts", "purchase_price",
    "reserves_months", "term_months",
}  # fmt: skip
WHAT_IF_ID_PREFIX = "whatif_%s"


# --- Formatting -----------------------------------------------------------------------------------------


def _usd(value) -> str:
    if value in (None, ""):
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"${amount:,.0f}" if amount == amount.to_integral_value() else f"${amount:,.2f}"


def _percent(value) -> str:
    return "—" if value is None else f"{Decimal(str(value)):.2f}%"


def _source_link(source: str) -> str:
    return source if source.startswith(("https://", "http://")) else ""


def program_cards(result: dict) -> list[dict]:
    """The engine's programs as the templates show them: formatted figures, failed checks first."""
    cards = []
    for program in result.get("programs", []):
        figures = program["figures"]
        payment = figures["monthly_payment"]
        checks = sorted(
            program["checks"], key=lambda check: check["passed"]
        )  # stable: failed first, in order
        cards.append(
            {
                "program": program["program"],
                "label": PROGRAM_LABELS.get(program["program"], program["program"]),
                "status": program["status"],
                "status_label": STATUS_LABELS.get(program["status"], program["status"]),
                "figures": [
                    ("LTV / CLTV", f"{_percent(figures['ltv'])} / {_percent(figures['cltv'])}"),
                    (
                        "DTI front / back",
                        f"{_percent(figures['dti_front'])} / {_percent(figures['dti_back'])}",
                    ),
                    ("Loan limit", _usd(figures["loan_limit"])),
                    ("Base loan", _usd(figures["base_loan_amount"])),
                    ("Total loan", _usd(figures["total_loan_amount"])),
                    ("Upfront fee", _usd(figures["upfront_fee"])),
                    ("Cash to close (down payment)", _usd(figures["cash_to_close"])),
                    ("Max purchase price", _usd(figures["max_purchase_price"])),
                ],
                "payment": [
                    ("Principal and interest", _usd(payment["principal_interest"])),
                    ("Mortgage insurance", _usd(payment["mortgage_insurance"])),
                    ("Taxes", _usd(payment["taxes"])),
                    ("Insurance", _usd(payment["insurance"])),
                    ("HOA", _usd(payment["hoa"])),
                ],
                "payment_total": _usd(payment["total"]),
                "raw_figures": figures,
                "checks": [{**check, "link": _source_link(check["source"])} for check in checks],
                "failed_checks": [check for check in checks if not check["passed"]],
                "suggestions": [
                    {
                        **suggestion,
                        "apply": f"{suggestion['field']}={suggestion['value']}"
                        if suggestion.get("field") in APPLICABLE_SUGGESTION_FIELDS
                        else "",
                    }
                    for suggestion in program["suggestions"]
                ],
            }
        )
    return cards


def _input_problems(result: dict) -> tuple[list[str], set[str]]:
    """The engine's "missing / invalid / contradictory input" findings: their messages and form fields."""
    messages, fields = [], set()
    for program in result.get("programs", []):
        for check in program["checks"]:
            rule = check["rule"]
            if check["passed"] or not rule.startswith("input."):
                continue
            if check["message"] not in messages:
                messages.append(check["message"])
            for name in rule.split(".", 2)[-1].split("+"):
                if name in FORM_FIELD_FOR_ENGINE_FIELD:
                    fields.add(FORM_FIELD_FOR_ENGINE_FIELD[name])
    return messages, fields


# --- The lead page's assessment panel -------------------------------------------------------------------


def _assessable_lead(user, lead_id: int):
    # Referral partners see a lead's contact status, not the borrower's income and ratios.
    if user.role == User.Role.PARTNER:
        raise Http404
    return get_object_or_404(visible_leads(user).select_related("organisation"), pk=lead_id)


def _posted_with_applied_suggestion(posted: QueryDict) -> QueryDict:
    """An "Apply" button posts the form with apply=<field>=<value>: put the value in its field. The
    "estimate taxes and insurance" button fills those two, when blank, at the documented rates (labelled as
    estimates)."""
    data = posted.copy()
    if data.pop("estimate_escrow", None):
        basis = escrow_basis({name: data.get(name) for name in ("purchase_price", "property_value")})
        if basis is not None:
            for name, value in zip(("monthly_taxes", "monthly_insurance"), estimated_monthly_escrow(basis),
                                   strict=True):  # fmt: skip
                if not data.get(name, "").strip():
                    data[name] = value
    applied = data.pop("apply", [""])[-1]
    name, _, value = applied.partition("=")
    if name not in APPLICABLE_SUGGESTION_FIELDS or not value:
        return data
    if name == "purchase_price" and data.get("loan_amount") and not data.get("down_payment"):
        # The engine's maximum price keeps the same cash down: carry it over as a down payment.
        try:
            down = parse_money(data["purchase_price"]) - parse_money(data["loan_amount"])
            data["down_payment"], data["loan_amount"] = str(down), ""
        except InvalidMoney:
            pass  # the form reports the unreadable amount
    data[FORM_FIELD_FOR_ENGINE_FIELD[name]] = value
    # A purchase takes the loan amount or the down payment; changing one makes the other stale.
    if name == "down_payment":
        data["loan_amount"] = ""
    elif name == "loan_amount" and data.get("purpose") == "purchase":
        data["down_payment"] = ""
    return data


def _run(built: BuiltScenario, organisation) -> tuple[dict | None, str]:
    try:
        return services.run_assessment(built.scenario, organisation=organisation), ""
    except (ScenarioError, OverlayError) as error:
        return None, str(error)


def _render_panel(request, lead, *, form, built=None, result=None, error="", saved=None) -> HttpResponse:
    problems, needed = _input_problems(result) if result else ([], set())
    context = {
        "lead": lead,
        "form": form,
        "groups": form.grouped_fields(),
        "result": result,
        "cards": program_cards(result) if result else [],
        "assumptions": built.assumptions if built else [],
        "input_problems": problems,
        "needed": needed,
        "error": error,
        "saved": saved,
        "rule_set_version": result["rule_set_version"] if result else RULE_SET_VERSION,
        "overlay_versions": [f"{o['name']}@{o['version']}" for o in services.overlays_for(lead.organisation)],
        "saved_assessments": Assessment.objects.filter(lead=lead).select_related("created_by")[:20],
    }
    template = "eligibility/_lead_panel.html" if request.htmx else "eligibility/lead_assessment_page.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def lead_assessment(request: HttpRequest, lead_id: int) -> HttpResponse:
    """GET: the assessment of the lead's scenario. POST: a what-if, re-run and shown, never stored."""
    lead = _assessable_lead(request.user, lead_id)
    if request.method == "GET":
        built = lead_scenario(lead)
        form = WhatIfForm(initial=WhatIfForm.initial_from_scenario(built.scenario), auto_id=WHAT_IF_ID_PREFIX)
        result, error = _run(built, lead.organisation)
        return _render_panel(request, lead, form=form, built=built, result=result, error=error)
    form = WhatIfForm(_posted_with_applied_suggestion(request.POST), auto_id=WHAT_IF_ID_PREFIX)
    if not form.is_valid():
        return _render_panel(request, lead, form=form)
    built = lead_scenario(lead, form.scenario_overrides())
    result, error = _run(built, lead.organisation)
    return _render_panel(request, lead, form=form, built=built, result=result, error=error)


@login_required
@require_POST
def lead_assessment_save(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Store the what-if as it stands (rule set and overlay versions with it) and re-score the lead."""
    lead = _assessable_lead(request.user, lead_id)
    form = WhatIfForm(_posted_with_applied_suggestion(request.POST), auto_id=WHAT_IF_ID_PREFIX)
    if not form.is_valid():
        return _render_panel(request, lead, form=form)
    built = lead_scenario(lead, form.scenario_overrides())
    try:
        saved = services.assess_and_store(
            built.scenario, organisation=lead.organisation, lead=lead, actor=request.user
        )
    except (ScenarioError, OverlayError) as error:
        return _render_panel(request, lead, form=form, built=built, error=str(error))
    return _render_panel(request, lead, form=form, built=built, result=saved.result, saved=saved)


@login_required
@require_GET
def rule_catalogue(request: HttpRequest) -> HttpResponse:
    """Every rule the assessment applies, with its citation, effective period and last check: the same
    catalogue as docs/assessment.md, built from the rule files."""
    today = timezone.localdate()
    programs = [
        {
            "program": program,
            "title": title,
            "entries": [{"entry": entry, "in_force": entry.in_force_on(today)} for entry in entries],
        }
        for program, title, entries in catalogue.by_program()
    ]
    return render(
        request,
        "eligibility/rule_catalogue.html",
        {"programs": programs, "rule_set_version": RULE_SET_VERSION, "today": today},
    )
