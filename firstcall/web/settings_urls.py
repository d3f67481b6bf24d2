"""The organisation admins' settings pages. Include in firstcall/urls.py (order does not matter: /settings/ is
not used elsewhere)."""

from django.urls import path

from firstcall.web import profile_views
from firstcall.web import settings_views as views

urlpatterns = [
    path("settings/", views.settings_home, name="settings_home"),
    path("settings/people/", views.settings_users, name="settings_users"),
    path("settings/people/new/", views.settings_user_new, name="settings_user_new"),
    path("settings/people/<int:user_id>/", views.settings_user_edit, name="settings_user_edit"),
    path("settings/teams/new/", views.settings_team_new, name="settings_team_new"),
    path("settings/teams/<int:team_id>/", views.settings_team_edit, name="settings_team_edit"),
    path("settings/sources/", views.settings_sources, name="settings_sources"),
    path("settings/sources/<int:source_id>/", views.settings_source_edit, name="settings_source_edit"),
    path("settings/response-time/", views.settings_sla, name="settings_sla"),
    path("settings/compliance/", views.settings_compliance, name="settings_compliance"),
    path("settings/organisation/", views.settings_organisation, name="settings_organisation"),
    path("settings/reports/", views.settings_reports, name="settings_reports"),
    path("account/profile/", profile_views.my_profile, name="my_profile"),
    path("account/booking/", profile_views.my_booking_page, name="my_booking_page"),
]
