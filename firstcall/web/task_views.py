"""The tasks page (/tasks/): my open tasks, or my team's (managers and admins), with the cadence call tasks in
the same list; create, assign, re-date, complete. Work goes through pipeline.tasks_service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from firstcall.cadences.access import open_call_tasks
from firstcall.leads.access import visible_leads
from firstcall.pipeline import tasks_service
from firstcall.pipeline.tasks_service import TaskRefused, assignable_users, visible_tasks
from firstcall.web.lead_forms import CallTaskDoneForm, TaskForm, TaskUpdateForm
from firstcall.web.lead_views import in_users_time_zone


def _require_tasks(user) -> None:
    if not tasks_service.can_use_tasks(user):
        raise PermissionDenied


def _back(request, default: str):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


@login_required
@require_GET
@in_users_time_zone
def tasks_page(request):
    user = request.user
    _require_tasks(user)
    may_see_team = tasks_service.can_see_team_tasks(user)
    team = may_see_team and request.GET.get("view") == "team"
    assignees = assignable_users(user.organisation_id)
    open_tasks = list(tasks_service.open_tasks(user, team=team)[:300])
    call_tasks = list(open_call_tasks(user, team=team)[:300])
    now = timezone.now()
    return render(
        request,
        "web/lead/tasks.html",
        {
            "team": team,
            "may_see_team": may_see_team,
            "open_tasks": open_tasks,
            "call_tasks": call_tasks,
            "open_count": len(open_tasks) + len(call_tasks),
            "overdue_count": sum(1 for task in open_tasks if task.is_overdue(now))
            + sum(1 for task in call_tasks if task.due_at < now),
            "done_tasks": tasks_service.recently_completed(user, team=team),
            "form": TaskForm(assignees=assignees, initial={"assignee": user.pk}),
            "update_form": TaskUpdateForm(assignees=assignees),
            "assignees": list(assignees),
            "call_done_form": CallTaskDoneForm(),
            "now": now,
        },
    )


@login_required
@require_POST
@in_users_time_zone
def task_create(request):
    user = request.user
    _require_tasks(user)
    form = TaskForm(request.POST, assignees=assignable_users(user.organisation_id))
    lead = None
    if form.is_valid() and form.cleaned_data["lead"]:
        lead = visible_leads(user).filter(pk=form.cleaned_data["lead"]).first()
        if lead is None:
            form.add_error(None, "No such lead you may see.")
    default = reverse("lead_detail", args=[lead.pk]) + "#tasks" if lead else reverse("tasks")
    if not form.is_valid():
        messages.error(
            request,
            "Task not added: "
            + "; ".join(
                f"{name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
                for name, errors in form.errors.items()
            ),
        )
        return _back(request, default)
    try:
        task = tasks_service.create_task(
            user.organisation,
            title=form.cleaned_data["title"],
            created_by=user,
            assignee=form.cleaned_data["assignee"],
            lead=lead,
            due_at=form.cleaned_data["due_at"],
            kind=form.cleaned_data["kind"],
            notes=form.cleaned_data["notes"],
        )
    except TaskRefused as refusal:
        messages.error(request, f"Task not added: {refusal}")
        return _back(request, default)
    messages.success(request, f"Task added: {task.title}.")
    return _back(request, default)


def _task(request, task_id: int):
    _require_tasks(request.user)
    return get_object_or_404(visible_tasks(request.user).select_related("lead"), pk=task_id)


@login_required
@require_POST
def task_complete(request, task_id: int):
    task = _task(request, task_id)
    if tasks_service.complete_task(task, actor=request.user):
        messages.success(request, f"Done: {task.title}.")
    return _back(request, reverse("tasks"))


@login_required
@require_POST
def task_reopen(request, task_id: int):
    task = _task(request, task_id)
    if tasks_service.reopen_task(task, actor=request.user):
        messages.success(request, f"Reopened: {task.title}.")
    return _back(request, reverse("tasks"))


@login_required
@require_POST
@in_users_time_zone
def task_update(request, task_id: int):
    task = _task(request, task_id)
    if task.is_done:
        messages.error(request, "Reopen the task before changing it.")
        return _back(request, reverse("tasks"))
    form = TaskUpdateForm(request.POST, assignees=assignable_users(request.user.organisation_id))
    if not form.is_valid():
        messages.error(request, "Task not changed: choose a teammate and a valid date.")
        return _back(request, reverse("tasks"))
    try:
        changed = tasks_service.update_task(
            task,
            actor=request.user,
            assignee=form.cleaned_data["assignee"],
            due_at=form.cleaned_data["due_at"],
        )
    except TaskRefused as refusal:
        messages.error(request, f"Task not changed: {refusal}")
        return _back(request, reverse("tasks"))
    messages.success(
        request, f"Changed {' and '.join(changed)}: {task.title}." if changed else "Nothing changed."
    )
    return _back(request, reverse("tasks"))


@login_required
@require_POST
def call_task_complete(request, task_id: int):
    """A cadence call task, completed through the cadences service (talking counts as human contact)."""
    from firstcall.cadences.access import can_manage_enrolment
    from firstcall.cadences.models import CallTask
    from firstcall.cadences.services import complete_call_task

    _require_tasks(request.user)
    task = get_object_or_404(
        CallTask.objects.filter(lead__in=visible_leads(request.user).values("pk")).select_related("lead"),
        pk=task_id,
    )
    if not can_manage_enrolment(request.user, task.lead):
        raise PermissionDenied
    form = CallTaskDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how the call went.")
        return _back(request, reverse("tasks"))
    if complete_call_task(
        task, outcome=form.cleaned_data["outcome"], actor=request.user, notes=form.cleaned_data["notes"]
    ):
        messages.success(request, f"Done: {task.title}.")
    return _back(request, reverse("tasks"))
