"""Admin export of a lead's compliance history (CSV and PDF) for a dispute."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from firstcall.accounts.audit import record_export
from firstcall.compliance import history
from firstcall.leads.access import visible_leads


def _lead_for_admin(request, lead_id: int):
    if not (request.user.is_authenticated and request.user.is_org_admin):
        raise Http404
    return get_object_or_404(visible_leads(request.user).select_related("organisation"), pk=lead_id)


@login_required
@require_GET
def history_csv(request, lead_id: int):
    lead = _lead_for_admin(request, lead_id)
    body = history.as_csv(lead)
    record_export(request.user, "compliance_history.csv", body.count("\n") - 1, detail={"lead": lead.pk})
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="lead-{lead.pk}-compliance.csv"'
    return response


@login_required
@require_GET
def history_pdf(request, lead_id: int):
    lead = _lead_for_admin(request, lead_id)
    record_export(request.user, "compliance_history.pdf", len(history.rows(lead)), detail={"lead": lead.pk})
    response = HttpResponse(history.as_pdf(lead), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="lead-{lead.pk}-compliance.pdf"'
    return response
