import os

from django.contrib.auth import views as auth_views
from django.urls import include, path

from firstcall.web import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead_detail"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    # The workspace (board, lead list, team): firstcall/pipeline/urls.py.
    path("", include("firstcall.pipeline.urls")),
    path("my-day/live/", views.my_day_live, name="my_day_live"),
    path("", views.home, name="home"),
]

if os.environ.get("FIRSTCALL_BENCH_ENDPOINTS") == "1":
    # A bare one-row insert, the baseline bench/intake.py compares intake against; off unless asked for.
    from firstcall.web import bench_views

    urlpatterns.insert(0, path("bench/insert", bench_views.bare_insert, name="bench_insert"))
