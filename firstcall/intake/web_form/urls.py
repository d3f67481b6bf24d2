from django.urls import path

from firstcall.intake.web_form import views

urlpatterns = [
    # Public addresses carry the source's random public id, never its number (numbers are 404s).
    path("f/<str:public_id>/", views.web_form, name="web_form"),
    path("f/<str:public_id>/thanks/", views.web_form_thanks, name="web_form_thanks"),
    path("f/<str:public_id>/embed.js", views.web_form_embed_script, name="web_form_embed_script"),
    path("sources/<int:source_id>/web-form/", views.web_form_share, name="web_form_share"),
    path(
        "sources/<int:source_id>/web-form/embed-sites/",
        views.web_form_embed_sites,
        name="web_form_embed_sites",
    ),
]
