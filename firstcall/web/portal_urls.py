from django.urls import path

from firstcall.web import portal_views

urlpatterns = [
    path("portal/<slug:org_slug>/sign-in/", portal_views.request_link, name="portal_request_link"),
    path("portal/link/<str:token>/", portal_views.redeem_link, name="portal_redeem"),
    path("portal/", portal_views.home, name="portal_home"),
    path("portal/documents/", portal_views.documents, name="portal_documents"),
    path("portal/documents/<int:document_id>/", portal_views.document_file, name="portal_document_file"),
    path("portal/messages/", portal_views.messages, name="portal_messages"),
    path("portal/figures/", portal_views.figures, name="portal_figures"),
    path("portal/preferences/", portal_views.preferences, name="portal_preferences"),
    path("portal/sign-out/", portal_views.sign_out, name="portal_sign_out"),
]
