"""CSV import screens: upload, column mapping with a preview, progress, and the error report. Thin: services
do the work; every view checks the user may import into this source of their own organisation."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HTMX_STOP_POLLING

from firstcall.accounts.services import record_audit
from firstcall.intake.csv_import import services, tasks
from firstcall.intake.csv_import.access import can_import_csv
from firstcall.intake.csv_import.mapping import TARGET_FIELDS
from firstcall.intake.csv_import.parsing import CsvUnreadable
from firstcall.intake.models import CsvImport
from firstcall.leads.models import Channel, LeadSource


def _csv_source(request, source_id: int) -> LeadSource:
    if not can_import_csv(request.user):
        raise PermissionDenied
    return get_object_or_404(
        LeadSource, pk=source_id, channel=Channel.CSV, organisation_id=request.user.organisation_id
    )


def _csv_import(
    request, source_id: int, import_id: int, *, with_content=False
) -> tuple[LeadSource, CsvImport]:
    source = _csv_source(request, source_id)
    imports = CsvImport.objects.select_related("uploaded_by")
    if not with_content:
        imports = imports.defer("content")  # up to 10 MB; the progress fragment is polled every second
    return source, get_object_or_404(imports, pk=import_id, source=source)


@login_required
@require_http_methods(["GET", "POST"])
def csv_upload(request, source_id: int):
    source = _csv_source(request, source_id)
    error = ""
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        if uploaded is None:
            error = "Choose a CSV file to upload."
        else:
            try:
                raw = services.read_uploaded_file(uploaded)
                csv_import, is_new = services.upload_csv(
                    source, uploaded_by=request.user, file_name=uploaded.name, raw=raw
                )
            except CsvUnreadable as unreadable:
                error = str(unreadable)
            else:
                if not is_new:
                    messages.info(
                        request,
                        f"This file was already uploaded on {csv_import.created_at:%b %d, %Y at %H:%M} UTC. "
                        "Nothing was imported again; here is that import.",
                    )
                return redirect("csv_import_detail", source_id=source.pk, import_id=csv_import.pk)
    imports = CsvImport.objects.filter(source=source).select_related("uploaded_by").defer("content")[:20]
    return render(
        request,
        "intake/csv/upload.html",
        {
            "source": source,
            "imports": imports,
            "error": error,
            "max_megabytes": services.max_file_bytes() // (1024 * 1024),
        },
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def csv_mapping(request, source_id: int, import_id: int):
    source, csv_import = _csv_import(request, source_id, import_id, with_content=True)
    if csv_import.is_in_progress:
        messages.info(request, "This import is running; the mapping can be changed once it has finished.")
        return redirect("csv_import_detail", source_id=source.pk, import_id=csv_import.pk)
    problems: list[str] = []
    mapping = csv_import.mapping
    if request.method == "POST":
        mapping = {}
        for index, header in enumerate(csv_import.headers):
            target = request.POST.get(f"column_{index}", "")
            if target:
                mapping[header] = target
        problems = services.confirm_mapping(
            csv_import, mapping, actor=request.user, enqueue=tasks.run_csv_import.enqueue
        )
        if not problems:
            return redirect("csv_import_detail", source_id=source.pk, import_id=csv_import.pk)
    preview = services.preview_rows(csv_import)
    columns = [
        {
            "index": index,
            "header": header,
            "target": mapping.get(header, ""),
            "samples": [values.get(header, "") for _, values in preview],
        }
        for index, header in enumerate(csv_import.headers)
    ]
    return render(
        request,
        "intake/csv/mapping.html",
        {
            "source": source,
            "csv_import": csv_import,
            "columns": columns,
            "targets": TARGET_FIELDS,
            "preview_row_numbers": [row_number for row_number, _ in preview],
            "problems": problems,
            "is_fix": csv_import.mapping_version > 0,
        },
        status=400 if problems else 200,
    )


@login_required
@require_GET
def csv_import_detail(request, source_id: int, import_id: int):
    source, csv_import = _csv_import(request, source_id, import_id)
    if csv_import.status == CsvImport.Status.MAPPING:
        return redirect("csv_mapping", source_id=source.pk, import_id=csv_import.pk)
    return render(request, "intake/csv/detail.html", {"source": source, "csv_import": csv_import})


@login_required
@require_GET
def csv_import_status(request, source_id: int, import_id: int):
    """The progress fragment htmx polls; it answers 286 (stop polling) once the import is over."""
    source, csv_import = _csv_import(request, source_id, import_id)
    response = render(request, "intake/csv/status.html", {"source": source, "csv_import": csv_import})
    if request.htmx and not csv_import.is_in_progress:
        response.status_code = HTMX_STOP_POLLING
    return response


class _Echo:
    def write(self, value):
        return value


@login_required
@require_GET
def csv_error_report(request, source_id: int, import_id: int):
    source, csv_import = _csv_import(request, source_id, import_id)
    record_audit(
        source.organisation,
        "csv_import.error_report_downloaded",
        actor=request.user,
        detail={"import": csv_import.pk},
    )
    writer = csv.writer(_Echo())
    # The BOM makes Excel read the report as UTF-8.
    lines = (writer.writerow(line) for line in services.error_report_rows(csv_import))
    response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{csv_import.pk}-errors.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _with_bom(lines):
    yield "\ufeff"
    yield from lines
