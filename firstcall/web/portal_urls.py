from django.urls import path

from firstcall.web import portal_views

urlpatterns = [
    path("portal/<slug:org_slug>/sign-in/", portal_views.request_link, name="portal_request_link"),
    path("portal/link/<str:token>/", portal_views.redeem_link, name="portal_redeem"),
    path("portal/", portal_views.home, name="portal_home"),
    path("portal/sign-out/", portal_views.sign_out, name="portal_sign_out"),
]
