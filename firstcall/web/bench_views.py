"""A bare Django view for the intake benchmark's baseline: one request, one inserted row, nothing else.

`bench/intake.py` compares `POST /api/v1/leads` with this view on the same server and database, so the
ratio shows what capture() costs on top of Django itself. It is mounted only when
FIRSTCALL_BENCH_ENDPOINTS=1 (see firstcall/web/urls.py) and refuses to answer otherwise, so a production
server never exposes it.
"""

import os

from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from firstcall.accounts.models import AuditEvent


def bench_endpoints_enabled() -> bool:
    return os.environ.get("FIRSTCALL_BENCH_ENDPOINTS") == "1"


@csrf_exempt  # machine-to-machine baseline, like the JSON intake endpoint it is compared with
@require_POST
def bare_insert(request):
    if not bench_endpoints_enabled():
        raise Http404
    event = AuditEvent.objects.create(action="bench.insert", detail={"bytes": len(request.body)})
    return JsonResponse({"id": event.pk}, status=201)
