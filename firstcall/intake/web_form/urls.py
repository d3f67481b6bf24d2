from django.urls import path

from firstcall.intake.web_form import views

urlpatterns = [
    path("f/<int:source_id>/", views.web_form, name="web_form"),
    path("f/<int:source_id>/thanks/", views.web_form_thanks, name="web_form_thanks"),
    path("f/<int:source_id>/embed.js", views.web_form_embed_script, name="web_form_embed_script"),
    path("sources/<int:source_id>/web-form/", views.web_form_share, name="web_form_share"),
]
