from django.urls import path

from firstcall.web import portal_staff_views, portal_views

urlpatterns = [
    path("portal/<slug:org_slug>/sign-in/", portal_views.request_link, name="portal_request_link"),
    path("portal/<slug:org_slug>/logo/", portal_views.organisation_logo, name="portal_logo"),
    path("portal/link/<str:token>/", portal_views.redeem_link, name="portal_redeem"),
    path("portal/", portal_views.home, name="portal_home"),
    path("portal/documents/", portal_views.documents, name="portal_documents"),
    path("portal/documents/<int:document_id>/", portal_views.document_file, name="portal_document_file"),
    path("portal/messages/", portal_views.messages, name="portal_messages"),
    path("portal/figures/", portal_views.figures, name="portal_figures"),
    path("portal/preferences/", portal_views.preferences, name="portal_preferences"),
    path("portal/letters/<int:letter_id>/", portal_views.borrower_letter, name="portal_letter"),
    path("portal/sharing/", portal_views.borrower_sharing, name="portal_sharing"),
    path("portal/partner/", portal_views.partner_home, name="portal_partner_home"),
    path("portal/partner/refer/", portal_views.partner_refer, name="portal_partner_refer"),
    path(
        "portal/partner/borrowers/<int:lead_id>/letters/<int:letter_id>/",
        portal_views.partner_letter,
        name="portal_partner_letter",
    ),
    path(
        "portal/partner/borrowers/<int:lead_id>/letters/<int:letter_id>/lower-price/",
        portal_views.partner_letter_lower_price,
        name="portal_partner_letter_lower_price",
    ),
    path("portal/partner/alerts/", portal_views.partner_alerts, name="portal_partner_alerts"),
    path("portal/sign-out/", portal_views.sign_out, name="portal_sign_out"),
    # The loan officer's side: the lead page's portal panel, partners, and the branding settings page.
    path("leads/<int:lead_id>/portal/", portal_staff_views.lead_portal_panel, name="lead_portal_panel"),
    path(
        "leads/<int:lead_id>/portal/<str:action>/",
        portal_staff_views.lead_portal_action,
        name="lead_portal_action",
    ),  # fmt: skip
    path("leads/<int:lead_id>/letters/<int:letter_id>/", portal_staff_views.lead_letter, name="lead_letter"),
    path("partners/", portal_staff_views.partners_page, name="partners_page"),
    path("settings/branding/", portal_staff_views.settings_branding, name="settings_branding"),
]
