"""Subject access pages, mounted at /subject-access/ (namespace "sar")."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.requests_list, name="list"),
    path("new/", views.request_log, name="new"),
    path("<str:reference>/", views.request_detail, name="request"),
    path("<str:reference>/extend/", views.request_extend, name="extend"),
    path("<str:reference>/prepare/", views.request_prepare, name="prepare"),
    path("<str:reference>/check/", views.request_check, name="check"),
    path("<str:reference>/release/", views.request_release, name="release"),
    path("<str:reference>/pack/", views.pack, name="pack"),
    path("<str:reference>/pack/redact/", views.pack_redact, name="redact"),
    path("<str:reference>/pack/lift/", views.pack_lift, name="lift"),
    path("<str:reference>/pack.pdf", views.pack_pdf, name="pdf"),
]
