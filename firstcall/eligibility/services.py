"""Runs the pure eligibility engine for an organisation (with its overlays) and stores assessments; keeps the
borrower calculator's lead source."""

from django.db import transaction

from firstcall.accounts.models import Organisation
from firstcall.accounts.services import record_audit
from firstcall.eligibility.models import Assessment, LenderOverlay
from firstcall.leads.models import Channel, LeadSource
from firstcall.leads.sources import create_source

STATUS_RANK = {"eligible": 3, "refer": 2, "ineligible": 1}


def overlays_for(organisation) -> list[dict]:
    if organisation is None:
        return []
    return [
        overlay.as_engine_dict()
        for overlay in LenderOverlay.objects.filter(organisation=organisation, is_active=True)
    ]


def run_assessment(scenario: dict, *, organisation=None, remedies: bool = False) -> dict:
    from firstcall.eligibility.engine import assess

    return assess(scenario, overlays=overlays_for(organisation), remedies=remedies)


def best_status(result: dict) -> str:
    statuses = [program.get("status") for program in result.get("programs", [])]
    ranked = sorted((STATUS_RANK.get(status, 0), status) for status in statuses if status)
    return ranked[-1][1] if ranked else ""


@transaction.atomic
def assess_and_store(
    scenario: dict, *, organisation, lead=None, actor=None, remedies: bool = False
) -> Assessment:
    result = run_assessment(scenario, organisation=organisation, remedies=remedies)
    assessment = Assessment.objects.create(
        organisation=organisation,
        lead=lead,
        scenario=scenario,
        result=result,
        rule_set_version=str(result.get("rule_set_version", "")),
        overlay_versions=[f"{o['name']}@{o['version']}" for o in overlays_for(organisation)],
        best_status=best_status(result),
        created_by=actor,
    )
    if lead is not None:
        from firstcall.leads.scoring_service import rescore_lead

        rescore_lead(lead, trigger="assessment", best_program_status=assessment.best_status or None)
    return assessment


@transaction.atomic
def save_overlay(overlay: LenderOverlay, *, actor) -> LenderOverlay:
    """Validate with the engine's own overlay parser before saving, and audit the change."""
    from firstcall.eligibility.engine.overlays import parse_overlays

    parse_overlays([overlay.as_engine_dict()])
    overlay.updated_by = actor
    overlay.save()
    record_audit(overlay.organisation, "overlay.saved", actor=actor,
                 detail={"overlay": overlay.pk, "name": overlay.name, "version": overlay.version,
                         "programs": overlay.programs})  # fmt: skip
    return overlay


# --- The borrower calculator's lead source -----------------------------------------------------------------

CALCULATOR_SOURCE_NAME = "Pre-qualification calculator"
CALCULATOR_TITLE = "What could I borrow? Pre-qualification estimate"
CALCULATOR_THANK_YOU = (
    "Thank you! A licensed loan officer will review your numbers and contact you with a personalised quote."
)


def _find_calculator_source(organisation) -> LeadSource | None:
    return (
        LeadSource.objects.select_related("organisation")
        .filter(organisation=organisation, channel=Channel.WEB_FORM, name=CALCULATOR_SOURCE_NAME)
        .order_by("pk")
        .first()
    )


def calculator_source(organisation: Organisation) -> LeadSource:
    """The organisation's calculator lead source, created on first use (once, even when requests race)."""
    source = _find_calculator_source(organisation)
    if source is not None:
        return source
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()  # serialise first use
        source = _find_calculator_source(organisation)
        if source is None:
            source, _ = create_source(organisation, channel=Channel.WEB_FORM, name=CALCULATOR_SOURCE_NAME)
            source.form_title = CALCULATOR_TITLE
            source.thank_you_message = CALCULATOR_THANK_YOU
            source.save(update_fields=["form_title", "thank_you_message"])
    return source
