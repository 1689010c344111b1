"""The subject access API's routes, relative to /api/v1/. lantern/api/urls.py lists them
inside the "api" namespace: `api:sar-requests`, `api:sar-request`."""

from django.urls import path

from . import api

urlpatterns = [
    path("subject-access/", api.RequestList.as_view(), name="sar-requests"),
    path("subject-access/<str:reference>/", api.RequestDetail.as_view(), name="sar-request"),
]
