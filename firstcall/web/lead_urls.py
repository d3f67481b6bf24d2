"""The lead page and the tasks page. Include BEFORE firstcall.web.urls in firstcall/urls.py: the lead page
keeps the URL name `lead_detail` (every other app links to it), and the first match wins."""

from django.urls import path

from firstcall.web import lead_views, task_views

urlpatterns = [
    path("leads/<int:lead_id>/", lead_views.lead_page, name="lead_detail"),
    path("leads/<int:lead_id>/timeline/", lead_views.lead_timeline, name="lead_timeline"),
    path("leads/<int:lead_id>/calls/", lead_views.log_call, name="lead_log_call"),
    path("leads/<int:lead_id>/notes/", lead_views.add_note, name="lead_add_note"),
    path("leads/<int:lead_id>/notes/mentions/", lead_views.note_mentions, name="lead_note_mentions"),
    path("leads/<int:lead_id>/demo-reply/", lead_views.demo_reply, name="lead_demo_reply"),
    path("leads/<int:lead_id>/compose/", lead_views.compose, name="lead_compose"),
    path("leads/<int:lead_id>/compose/template/", lead_views.compose_template, name="lead_compose_template"),
    path("leads/<int:lead_id>/edit/", lead_views.edit_lead, name="lead_edit"),
    path("tasks/", task_views.tasks_page, name="tasks"),
    path("tasks/new/", task_views.task_create, name="task_create"),
    path("tasks/<int:task_id>/done/", task_views.task_complete, name="task_complete"),
    path("tasks/<int:task_id>/reopen/", task_views.task_reopen, name="task_reopen"),
    path("tasks/<int:task_id>/change/", task_views.task_update, name="task_update"),
    path("tasks/call/<int:task_id>/done/", task_views.call_task_complete, name="call_task_complete"),
]
