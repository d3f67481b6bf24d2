from django.urls import path

from firstcall.documents import views

urlpatterns = [
    path("leads/<int:lead_id>/documents/", views.lead_panel, name="lead_documents"),
    path("leads/<int:lead_id>/documents/upload/", views.upload, name="lead_documents_upload"),
    path("documents/<int:document_id>/", views.review, name="document_review"),
    path("documents/<int:document_id>/file/", views.download, name="document_file"),
    path("documents/<int:document_id>/pages/<int:page>.png", views.page_image, name="document_page"),
    path("documents/<int:document_id>/fields/<int:field_id>/", views.review_field, name="document_field"),
    path("documents/<int:document_id>/accept-all/", views.accept_all, name="document_accept_all"),
    path("documents/<int:document_id>/password/", views.password, name="document_password"),
    path("documents/<int:document_id>/retry/", views.retry, name="document_retry"),
    path("upload/<str:token>/", views.borrower_upload, name="borrower_upload"),
]
