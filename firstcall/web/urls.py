import os

from django.urls import include, path

from firstcall.web import views

urlpatterns = [
    # Sign-in and sign-out: firstcall/accounts/urls.py; the lead page: firstcall/web/lead_urls.py.
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("notifications/all/", views.notification_list, name="notification_list"),
    path("notifications/<int:notification_id>/dismiss/", views.notification_dismiss, name="notification_dismiss"),
    # The workspace (board, lead list, team): firstcall/web/workspace/urls.py.
    path("", include("firstcall.web.workspace.urls")),
    path("my-day/live/", views.my_day_live, name="my_day_live"),
    path("", views.home, name="home"),
]

if os.environ.get("FIRSTCALL_BENCH_ENDPOINTS") == "1":
    # A bare one-row insert, the baseline bench/intake.py compares intake against; off unless asked for.
    from firstcall.web import bench_views

    urlpatterns.insert(0, path("bench/insert", bench_views.bare_insert, name="bench_insert"))
