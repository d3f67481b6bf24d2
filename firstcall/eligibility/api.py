"""POST /api/v1/assessments: the instant assessment over HTTP, same body and output as `firstcall assess`."""

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from ninja import Router

from firstcall.accounts.api_scopes import requires
from firstcall.accounts.models import ApiKey
from firstcall.eligibility import services
from firstcall.eligibility.models import Assessment
from firstcall.leads.access import visible_leads
from firstcall.lib.jsonsafe import UnsafeJson, loads_object

router = Router(tags=["assessments"])


# Running an assessment stores it (with lead_id) and writes the lead's timeline: a read scope is not enough.
@router.post(
    "/assessments",
    summary="Assess a scenario against conventional, FHA, VA, USDA and jumbo rules",
    **requires(
        ApiKey.SCOPE_ASSESSMENTS,
        ApiKey.SCOPE_LEADS_WRITE,
        signed_in=True,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "parameters": [
                {
                    "in": "query",
                    "name": "lead_id",
                    "required": False,
                    "schema": {"type": "integer"},
                    "description": "Store the assessment on this lead",
                }
            ],  # fmt: skip
        },
    ),
)
def create_assessment(request: HttpRequest):
    principal = request.auth
    organisation = principal.organisation
    try:
        scenario = loads_object(request.body)
    except (UnsafeJson, UnicodeDecodeError) as error:
        return JsonResponse({"error": str(error)}, status=400)
    from firstcall.eligibility.engine import OverlayError, ScenarioError

    try:
        return _assess(request, principal, organisation, scenario)
    except (ScenarioError, OverlayError) as error:
        return JsonResponse(error.as_json(), status=422)


def _assess(request, principal, organisation, scenario):
    lead_id = request.GET.get("lead_id")
    if lead_id is not None and not lead_id.isdigit():
        return JsonResponse({"error": "lead_id must be a lead's number."}, status=400)
    if lead_id:
        if isinstance(principal, ApiKey):
            lead = get_object_or_404(principal.organisation.leads.all(), pk=lead_id)
            actor = None
        else:
            lead = get_object_or_404(visible_leads(principal), pk=lead_id)
            actor = principal
        assessment = services.assess_and_store(
            scenario, organisation=organisation, lead=lead, actor=actor, remedies=True
        )
        return JsonResponse({**assessment.result, "assessment_id": assessment.pk})
    return JsonResponse(services.run_assessment(scenario, organisation=organisation, remedies=True))


@router.get(
    "/leads/{lead_id}/assessments",
    summary="Saved assessments of a lead",
    **requires(ApiKey.SCOPE_ASSESSMENTS, ApiKey.SCOPE_LEADS_READ, signed_in=True),
)
def lead_assessments(request: HttpRequest, lead_id: int):
    principal = request.auth
    if isinstance(principal, ApiKey):
        lead = get_object_or_404(principal.organisation.leads.all(), pk=lead_id)
    else:
        lead = get_object_or_404(visible_leads(principal), pk=lead_id)
    return [
        {
            "id": item.pk,
            "created_at": item.created_at,
            "rule_set_version": item.rule_set_version,
            "overlay_versions": item.overlay_versions,
            "best_status": item.best_status,
            "result": item.result,
        }  # fmt: skip
        for item in Assessment.objects.filter(lead=lead)[:50]
    ]
