"""Cadence screens: list, builder (server-rendered forms, htmx for steps), publish with the version rule,
templates with a live preview against a real lead, the do-not-contact list, call tasks, and the lead panel
(``cadences/_lead_panel.html``) the lead page includes. Thin: access checks here, changes in services."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from firstcall.accounts.audit import record_export
from firstcall.cadences import dnc, editing, services
from firstcall.cadences.access import (
    can_build_cadences,
    can_manage_do_not_contact,
    can_manage_enrolment,
    can_see_cadences,
    enrollable_leads,
    visible_cadences,
)
from firstcall.cadences.forms import (
    BulkEnrolForm,
    CadenceSettingsForm,
    CallTaskDoneForm,
    EnrolForm,
    ImportForm,
    LimitsForm,
    StepForm,
    TemplateForm,
)
from firstcall.cadences.models import (
    Cadence,
    CadenceStep,
    CallTask,
    Enrolment,
    MessageTemplate,
)
from firstcall.cadences.personalise import MERGE_FIELDS, compose
from firstcall.leads.access import visible_leads
from firstcall.leads.models import Lead


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _cadence(request, cadence_id: int) -> Cadence:
    return get_object_or_404(visible_cadences(request.user).select_related("current_version"), pk=cadence_id)


def _buildable(request, cadence_id: int) -> Cadence:
    _require(can_build_cadences(request.user))
    return _cadence(request, cadence_id)


# ------------------------------------------------------------------------------------------- cadences


@login_required
@require_GET
def cadence_list(request):
    _require(can_see_cadences(request.user))
    cadences = (
        visible_cadences(request.user)
        .select_related("current_version")
        .annotate(
            active_count=Count("enrolments", filter=Q(enrolments__status="active")),
            paused_count=Count("enrolments", filter=Q(enrolments__status="paused")),
        )
    )
    return render(
        request,
        "cadences/list.html",
        {
            "cadences": cadences,
            "can_build": can_build_cadences(request.user),
            "bulk_form": BulkEnrolForm(organisation=request.user.organisation),
        },
    )


@login_required
@require_POST
def seed_library(request):
    _require(can_build_cadences(request.user))
    seeded = editing.ensure_builtin_cadences(request.user.organisation)
    messages.success(
        request, f"The built-in library has {len(seeded)} cadences. Turn one on, or copy it to edit."
    )
    return redirect("cadence_list")


@login_required
@require_http_methods(["GET", "POST"])
def cadence_new(request):
    _require(can_build_cadences(request.user))
    organisation = request.user.organisation
    form = CadenceSettingsForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        cadence = editing.create_cadence(organisation, actor=request.user, **form.settings_values())
        return redirect("cadence_draft", cadence_id=cadence.pk)
    return render(request, "cadences/settings.html", {"form": form, "cadence": None})


@login_required
@require_GET
def cadence_detail(request, cadence_id: int):
    _require(can_see_cadences(request.user))
    cadence = _cadence(request, cadence_id)
    steps = (
        list(cadence.current_version.steps.select_related("template")) if cadence.current_version_id else []
    )
    draft = cadence.versions.filter(published_at__isnull=True).first()
    return render(
        request,
        "cadences/detail.html",
        {
            "cadence": cadence,
            "steps": [(step, services.describe_step(step)) for step in steps],
            "draft": draft,
            "versions": cadence.versions.order_by("-number")[:20],
            "enrolled": editing.enrolled_on_versions(cadence),
            "can_build": can_build_cadences(request.user),
            "recent": cadence.enrolments.select_related("lead").filter(lead__in=visible_leads(request.user))[
                :20
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def cadence_settings(request, cadence_id: int):
    cadence = _buildable(request, cadence_id)
    if cadence.is_builtin:
        messages.error(request, "Built-in cadences cannot be edited; copy it and edit the copy.")
        return redirect("cadence_detail", cadence_id=cadence.pk)
    form = CadenceSettingsForm(request.POST or None, instance=cadence, organisation=request.user.organisation)
    if request.method == "POST" and form.is_valid():
        # The form saved nothing itself: the service does (with its rules).
        cadence.refresh_from_db()
        editing.update_cadence_settings(cadence, actor=request.user, **form.settings_values())
        messages.success(request, "Settings saved. Enrolment and stop rules apply from now on.")
        return redirect("cadence_detail", cadence_id=cadence.pk)
    return render(request, "cadences/settings.html", {"form": form, "cadence": cadence})


@login_required
@require_POST
def cadence_activate(request, cadence_id: int):
    cadence = _buildable(request, cadence_id)
    turn_on = request.POST.get("active") == "1"
    try:
        editing.set_active(cadence, turn_on, actor=request.user)
    except editing.EditRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"{cadence.name} is {'on' if turn_on else 'off'}.")
    return redirect("cadence_detail", cadence_id=cadence.pk)


@login_required
@require_POST
def cadence_copy(request, cadence_id: int):
    cadence = _buildable(request, cadence_id)
    copy = editing.copy_cadence(cadence, actor=request.user)
    messages.success(request, f"Copied. “{copy.name}” is off until you turn it on.")
    return redirect("cadence_detail", cadence_id=copy.pk)


# ------------------------------------------------------------------------------------------ step editor


def _draft_context(request, cadence, draft, *, bad_form=None):
    organisation = request.user.organisation
    steps = list(draft.steps.select_related("template").order_by("position"))
    # Texts are previewed against the newest lead the editor may see: the segment count is what they'd pay.
    sample = (
        visible_leads(request.user).select_related("organisation", "owner").order_by("-created_at").first()
    )
    forms_by_step = []
    for step in steps:
        if step.kind == CadenceStep.Kind.SEND_SMS and sample is not None and (step.body or step.template_id):
            composed = compose(sample, "sms", body=step.body, template=step.template)
            step.sample_preview, step.segments = composed.body, composed.segments.summary
        form = (
            bad_form
            if bad_form is not None and bad_form.step is not None and bad_form.step.pk == step.pk
            else None
        )
        forms_by_step.append(
            (
                step,
                form or StepForm(organisation=organisation, version=draft, step=step),
                services.describe_step(step),
            )
        )
    return {
        "cadence": cadence,
        "draft": draft,
        "steps": forms_by_step,
        "kinds": CadenceStep.Kind.choices,
        "problems": editing.version_problems(draft),
        "merge_fields": MERGE_FIELDS,
        # The rule for leads already enrolled, with their numbers, stated where the editing happens.
        "edit_rule": editing.enrolled_on_versions(cadence).explanation(draft.number),
    }


def _steps_response(request, cadence, draft, *, bad_form=None, status=200):
    if not request.htmx:
        if bad_form is not None:
            messages.error(
                request,
                "The step was not saved: "
                + " ".join(error for errors in bad_form.errors.values() for error in errors),
            )
        return redirect("cadence_draft", cadence_id=cadence.pk)
    return render(
        request,
        "cadences/_steps.html",
        _draft_context(request, cadence, draft, bad_form=bad_form),
        status=status,
    )


def _editable_draft(request, cadence_id: int):
    cadence = _buildable(request, cadence_id)
    try:
        return cadence, editing.draft_of(cadence, actor=request.user)
    except editing.EditRefused as refusal:
        raise PermissionDenied(str(refusal)) from refusal


@login_required
@require_GET
def cadence_draft(request, cadence_id: int):
    cadence = _buildable(request, cadence_id)
    if cadence.is_builtin:
        messages.error(request, "Built-in cadences cannot be edited; copy it and edit the copy.")
        return redirect("cadence_detail", cadence_id=cadence.pk)
    draft = editing.draft_of(cadence, actor=request.user)
    return render(request, "cadences/draft.html", _draft_context(request, cadence, draft))


@login_required
@require_POST
def step_add(request, cadence_id: int):
    cadence, draft = _editable_draft(request, cadence_id)
    kind = request.POST.get("kind", "")
    if kind not in CadenceStep.Kind.values:
        return HttpResponse("Unknown step kind", status=400)
    defaults = {
        "wait": {"wait_amount": 1, "wait_unit": "days"},
        "call_task": {"body": "Call {{ borrower.full_name }}"},
        "notify_owner": {"body": "Check in on {{ borrower.full_name }}"},
        "branch": {"condition_field": "replied"},
    }.get(kind, {})
    position = request.POST.get("position")
    editing.add_step(
        draft, kind=kind, position=int(position) if position and position.isdigit() else None, **defaults
    )
    return _steps_response(request, cadence, draft)


def _draft_step(draft, step_id: int) -> CadenceStep:
    return get_object_or_404(CadenceStep, pk=step_id, version=draft)


@login_required
@require_POST
def step_update(request, cadence_id: int, step_id: int):
    cadence, draft = _editable_draft(request, cadence_id)
    step = _draft_step(draft, step_id)
    form = StepForm(request.POST, organisation=request.user.organisation, version=draft, step=step)
    if not form.is_valid():
        return _steps_response(request, cadence, draft, bad_form=form, status=422)
    editing.update_step(step, **form.step_values())
    return _steps_response(request, cadence, draft)


@login_required
@require_POST
def step_remove(request, cadence_id: int, step_id: int):
    cadence, draft = _editable_draft(request, cadence_id)
    editing.remove_step(_draft_step(draft, step_id))
    return _steps_response(request, cadence, draft)


@login_required
@require_POST
def step_move(request, cadence_id: int, step_id: int):
    cadence, draft = _editable_draft(request, cadence_id)
    editing.move_step(_draft_step(draft, step_id), -1 if request.POST.get("direction") == "up" else 1)
    return _steps_response(request, cadence, draft)


@login_required
@require_http_methods(["GET", "POST"])
def cadence_publish(request, cadence_id: int):
    cadence, draft = _editable_draft(request, cadence_id)
    enrolled = editing.enrolled_on_versions(cadence)
    if request.method == "POST":
        try:
            result = editing.publish(
                cadence,
                actor=request.user,
                apply_to_pending=request.POST.get("apply_to_pending") == "1",
                note=request.POST.get("note", "")[:300],
            )
        except editing.EditRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("cadence_publish", cadence_id=cadence.pk)
        text = f"Version {result.version.number} published."
        if result.replanned or result.kept:
            text += f" {result.replanned} enrolled lead(s) re-planned; {result.kept} kept their current plan."
        messages.success(request, text)
        return redirect("cadence_detail", cadence_id=cadence.pk)
    return render(
        request,
        "cadences/publish.html",
        {
            "cadence": cadence,
            "draft": draft,
            "explanation": enrolled.explanation(draft.number),
            "enrolled": enrolled,
            "problems": editing.version_problems(draft),
        },
    )


@login_required
@require_POST
def cadence_discard(request, cadence_id: int):
    cadence = _buildable(request, cadence_id)
    if editing.discard_draft(cadence):
        messages.success(request, "Draft discarded.")
    return redirect("cadence_detail", cadence_id=cadence.pk)


# ---------------------------------------------------------------------------------------------- templates


@login_required
@require_GET
def template_list(request):
    _require(can_see_cadences(request.user))
    templates = list(MessageTemplate.objects.filter(organisation_id=request.user.organisation_id))
    for template in templates:
        # A text saved before the advertising lint (an old built-in text a lender edited, say) is refused at
        # every send: say so here, where it can be fixed.
        template.send_problems = editing.advertising_problems(template.subject, template.body)
    return render(
        request,
        "cadences/templates.html",
        {"templates": templates, "can_build": can_build_cadences(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request, template_id: int | None = None):
    _require(can_build_cadences(request.user))
    organisation = request.user.organisation
    template = (
        get_object_or_404(MessageTemplate, pk=template_id, organisation=organisation) if template_id else None
    )
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = editing.save_template(
                organisation,
                actor=request.user,
                template=MessageTemplate.objects.filter(pk=template_id).first() if template_id else None,
                **{key: data[key] for key in form.Meta.fields},
            )
        except editing.EditRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, f"Template “{saved.name}” saved.")
            return redirect("cadence_template_edit", template_id=saved.pk)
    return render(
        request,
        "cadences/template_edit.html",
        {
            "form": form,
            "template": template,
            "send_problems": editing.advertising_problems(template.subject, template.body)
            if template
            else [],
            "merge_fields": MERGE_FIELDS,
            "preview_leads": visible_leads(request.user).order_by("-created_at")[:30],
        },
    )


@login_required
@require_POST
def preview(request):
    """The message as one real lead would get it, with the SMS segment count (htmx, as the editor types)."""
    _require(can_see_cadences(request.user))
    lead = (
        visible_leads(request.user)
        .select_related("organisation", "owner")
        .filter(pk=request.POST.get("lead") if (request.POST.get("lead") or "").isdigit() else None)
        .first()
    )
    channel = "email" if request.POST.get("channel") == "email" else "sms"
    body, subject = request.POST.get("body", "")[:20000], request.POST.get("subject", "")[:300]
    problems = editing.template_problems(channel, subject, body) if body else []
    composed = compose(lead, channel, subject=subject, body=body) if lead is not None else None
    return render(
        request,
        "cadences/_preview.html",
        {"lead": lead, "composed": composed, "problems": problems, "channel": channel},
    )


# ------------------------------------------------------------------------------------------- the lead panel


def lead_panel_context(user, lead: Lead) -> dict:
    """What ``cadences/_lead_panel.html`` needs; the lead page may call this and include the template."""
    next_step = services.next_step_for(lead)
    return {
        "lead": lead,
        "enrolments": services.open_enrolments_for(lead),
        "past": lead.enrolments.exclude(status__in=Enrolment.OPEN_STATUSES).select_related("cadence")[:5],
        "next_step": next_step,
        "tasks": lead.call_tasks.filter(status=CallTask.Status.OPEN).select_related("owner"),
        "can_manage": can_manage_enrolment(user, lead),
        "enrol_form": EnrolForm(organisation=lead.organisation),
        "done_form": CallTaskDoneForm(),
    }


def _lead(request, lead_id: int) -> Lead:
    return get_object_or_404(
        enrollable_leads(request.user).select_related("organisation", "owner", "stage", "pipeline"),
        pk=lead_id,
    )


def _panel(request, lead, *, status=200):
    if request.htmx or request.method == "GET":
        return render(
            request, "cadences/_lead_panel.html", lead_panel_context(request.user, lead), status=status
        )
    return redirect(reverse("lead_detail", args=[lead.pk]))


@login_required
@require_GET
def lead_panel(request, lead_id: int):
    return _panel(request, _lead(request, lead_id))


@login_required
@require_POST
def lead_enrol(request, lead_id: int):
    lead = _lead(request, lead_id)
    _require(can_manage_enrolment(request.user, lead))
    form = EnrolForm(request.POST, organisation=lead.organisation)
    if not form.is_valid():
        messages.error(request, "Choose a cadence that is turned on.")
        return _panel(request, lead, status=422)
    try:
        services.enrol(
            lead,
            form.cleaned_data["cadence"],
            actor=request.user,
            how="manual",
            replace=form.cleaned_data["replace"],
        )
    except services.EnrolmentRefused as refusal:
        messages.error(request, str(refusal))
        return _panel(request, lead, status=409)
    messages.success(request, f"Enrolled in {form.cleaned_data['cadence'].name}.")
    return _panel(request, lead)


def _enrolment_action(request, lead_id: int, enrolment_id: int, action):
    lead = _lead(request, lead_id)
    _require(can_manage_enrolment(request.user, lead))
    enrolment = get_object_or_404(Enrolment, pk=enrolment_id, lead=lead)
    try:
        action(enrolment, actor=request.user)
    except services.EnrolmentRefused as refusal:
        messages.error(request, str(refusal))
        return _panel(request, lead, status=409)
    return _panel(request, lead)


@login_required
@require_POST
def lead_pause(request, lead_id: int, enrolment_id: int):
    return _enrolment_action(request, lead_id, enrolment_id, services.pause_enrolment)


@login_required
@require_POST
def lead_resume(request, lead_id: int, enrolment_id: int):
    return _enrolment_action(request, lead_id, enrolment_id, services.resume_enrolment)


@login_required
@require_POST
def lead_remove(request, lead_id: int, enrolment_id: int):
    return _enrolment_action(request, lead_id, enrolment_id, services.remove_enrolment)


@login_required
@require_POST
def call_task_done(request, lead_id: int, task_id: int):
    lead = _lead(request, lead_id)
    _require(can_manage_enrolment(request.user, lead))
    task = get_object_or_404(CallTask, pk=task_id, lead=lead)
    form = CallTaskDoneForm(request.POST)
    if not form.is_valid():
        return _panel(request, lead, status=422)
    services.complete_call_task(
        task, outcome=form.cleaned_data["outcome"], actor=request.user, notes=form.cleaned_data["notes"]
    )
    return _panel(request, lead)


@login_required
@require_POST
def bulk_enrol(request):
    _require(can_see_cadences(request.user))
    form = BulkEnrolForm(request.POST, organisation=request.user.organisation)
    if not form.is_valid():
        return render(request, "cadences/bulk_result.html", {"form": form, "result": None}, status=422)
    leads = list(
        enrollable_leads(request.user)
        .select_related("organisation", "stage", "pipeline")
        .filter(pk__in=form.cleaned_data["lead_ids"])
    )
    result = services.bulk_enrol(
        leads, form.cleaned_data["cadence"], request.user, replace=form.cleaned_data["replace"]
    )
    unknown = set(form.cleaned_data["lead_ids"]) - {lead.pk for lead in leads}
    for lead_id in sorted(unknown):
        result.skipped[lead_id] = "No such lead you may change."
    return render(
        request,
        "cadences/bulk_result.html",
        {"form": form, "result": result, "cadence": form.cleaned_data["cadence"]},
    )


@login_required
@require_GET
def call_tasks(request):
    _require(can_see_cadences(request.user))
    tasks = CallTask.objects.filter(
        lead__in=visible_leads(request.user), status=CallTask.Status.OPEN
    ).select_related("lead", "owner")
    if request.GET.get("mine", "1") == "1":
        tasks = tasks.filter(owner=request.user)
    return render(request, "cadences/tasks.html", {"tasks": tasks[:200], "now": timezone.now()})


# ------------------------------------------------------------------------------------ do-not-contact list


@login_required
@require_http_methods(["GET", "POST"])
def do_not_contact(request):
    _require(can_manage_do_not_contact(request.user))
    organisation = request.user.organisation
    limits = services.sending_limits(organisation)
    import_form, limits_form, result = (
        ImportForm(),
        LimitsForm(
            initial={
                "max_texts_per_day": limits.max_texts_per_day,
                "max_emails_per_week": limits.max_emails_per_week,
            }
        ),
        None,
    )
    if request.method == "POST" and request.POST.get("form") == "limits":
        limits_form = LimitsForm(request.POST)
        if limits_form.is_valid():
            services.save_sending_limits(organisation, **limits_form.cleaned_data)
            messages.success(request, "Limits saved.")
            return redirect("cadence_do_not_contact")
    elif request.method == "POST":
        import_form = ImportForm(request.POST, request.FILES)
        if import_form.is_valid():
            upload = import_form.cleaned_data["file"]
            if upload.size > dnc.MAX_IMPORT_BYTES:
                import_form.add_error("file", "The file is larger than 2 MB.")
            else:
                result = dnc.import_csv(organisation, upload.read(), actor=request.user)
                from firstcall.accounts.services import record_audit

                record_audit(
                    organisation,
                    "do_not_contact.imported",
                    actor=request.user,
                    detail={"added": result.added, "errors": len(result.errors)},
                )
    return render(
        request,
        "cadences/do_not_contact.html",
        {
            "import_form": import_form,
            "limits_form": limits_form,
            "result": result,
            "count": dnc.active_count(organisation),
        },
    )


class _Echo:
    def write(self, value):
        return value


@login_required
@require_GET
def do_not_contact_export(request):
    _require(can_manage_do_not_contact(request.user))
    organisation = request.user.organisation
    record_export(request.user, "do_not_contact.csv", dnc.active_count(organisation))
    writer = csv.writer(_Echo())
    lines = (writer.writerow(row) for row in dnc.export_rows(organisation))
    response = StreamingHttpResponse(_with_bom(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="do-not-contact.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _with_bom(lines):
    yield "\ufeff"  # Excel reads UTF-8 with it
    yield from lines
