from django.urls import path

from firstcall.cadences import views

urlpatterns = [
    path("cadences/", views.cadence_list, name="cadence_list"),
    path("cadences/new/", views.cadence_new, name="cadence_new"),
    path("cadences/library/", views.seed_library, name="cadence_seed_library"),
    path("cadences/bulk-enrol/", views.bulk_enrol, name="cadence_bulk_enrol"),
    path("cadences/preview/", views.preview, name="cadence_preview"),
    path("cadences/tasks/", views.call_tasks, name="cadence_call_tasks"),
    path("cadences/templates/", views.template_list, name="cadence_templates"),
    path("cadences/templates/new/", views.template_edit, name="cadence_template_new"),
    path("cadences/templates/<int:template_id>/", views.template_edit, name="cadence_template_edit"),
    path("cadences/do-not-contact/", views.do_not_contact, name="cadence_do_not_contact"),
    path(
        "cadences/do-not-contact/export.csv",
        views.do_not_contact_export,
        name="cadence_do_not_contact_export",
    ),
    path("cadences/<int:cadence_id>/", views.cadence_detail, name="cadence_detail"),
    path("cadences/<int:cadence_id>/settings/", views.cadence_settings, name="cadence_settings"),
    path("cadences/<int:cadence_id>/activate/", views.cadence_activate, name="cadence_activate"),
    path("cadences/<int:cadence_id>/copy/", views.cadence_copy, name="cadence_copy"),
    path("cadences/<int:cadence_id>/draft/", views.cadence_draft, name="cadence_draft"),
    path("cadences/<int:cadence_id>/draft/steps/", views.step_add, name="cadence_step_add"),
    path(
        "cadences/<int:cadence_id>/draft/steps/<int:step_id>/", views.step_update, name="cadence_step_update"
    ),
    path(
        "cadences/<int:cadence_id>/draft/steps/<int:step_id>/remove/",
        views.step_remove,
        name="cadence_step_remove",
    ),
    path(
        "cadences/<int:cadence_id>/draft/steps/<int:step_id>/move/", views.step_move, name="cadence_step_move"
    ),
    path("cadences/<int:cadence_id>/publish/", views.cadence_publish, name="cadence_publish"),
    path("cadences/<int:cadence_id>/discard/", views.cadence_discard, name="cadence_discard"),
    # The lead page's cadence panel (cadences/_lead_panel.html) and its actions.
    path("leads/<int:lead_id>/cadence/", views.lead_panel, name="lead_cadence_panel"),
    path("leads/<int:lead_id>/cadence/enrol/", views.lead_enrol, name="lead_cadence_enrol"),
    path(
        "leads/<int:lead_id>/cadence/<int:enrolment_id>/pause/", views.lead_pause, name="lead_cadence_pause"
    ),
    path(
        "leads/<int:lead_id>/cadence/<int:enrolment_id>/resume/",
        views.lead_resume,
        name="lead_cadence_resume",
    ),
    path(
        "leads/<int:lead_id>/cadence/<int:enrolment_id>/remove/",
        views.lead_remove,
        name="lead_cadence_remove",
    ),
    path(
        "leads/<int:lead_id>/cadence/tasks/<int:task_id>/done/",
        views.call_task_done,
        name="lead_call_task_done",
    ),
]
