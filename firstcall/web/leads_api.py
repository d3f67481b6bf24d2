"""The /leads REST router: intake's create-lead and the leads app's listing share one path, so delivery mounts
both on one router (firstcall/api.py adds it). The intake view reads its own body and checks its key itself, after
recording the request; the reading views require a key with the read scope."""

from ninja import Router

from firstcall.accounts.api_scopes import declares, requires
from firstcall.accounts.models import ApiKey
from firstcall.intake.api import CREATE_LEAD_OPENAPI, create_lead
from firstcall.leads.api import LeadOut, LeadPage, get_lead, list_leads

router = Router(tags=["leads"])
router.post(
    "/leads",
    auth=None,
    summary="Create or merge a lead",
    **declares(ApiKey.SCOPE_LEADS_CREATE, ApiKey.SCOPE_LEADS_WRITE, openapi_extra=CREATE_LEAD_OPENAPI),
)(create_lead)
router.get(
    "/leads",
    response=LeadPage,
    summary="List leads of the key's organisation",
    **requires(ApiKey.SCOPE_LEADS_READ),
)(list_leads)
router.get(
    "/leads/{lead_id}",
    response=LeadOut,
    summary="One lead of the key's organisation",
    **requires(ApiKey.SCOPE_LEADS_READ),
)(get_lead)
