from django.urls import path

from . import api, views

urlpatterns = [
    path("<str:reference>/", views.chronology, name="person"),
    path("<str:reference>/export.pdf", views.chronology_export, name="export"),
    # The API (JSON), under the chronology's own prefix with a name of its own.
    path("api/<str:reference>/", api.ChronologyDetail.as_view(), name="api-person"),
]
