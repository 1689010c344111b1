from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("people/", views.people_search, name="people-search"),
    path("people/export.csv", views.people_export, name="people-export"),
    path("people/<str:reference>/", views.person_detail, name="person"),
    path("people/<str:reference>/access-log/", views.person_access_log, name="access-log"),
    path(
        "people/<str:reference>/records/<int:record_id>/correct/",
        views.record_correct,
        name="record-correct",
    ),
    path("audit/", views.audit_search, name="audit-search"),
    path(
        "people/<str:reference>/emergency-access/", views.emergency_access, name="emergency-access"
    ),
]
