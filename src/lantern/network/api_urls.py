"""The network API's routes, relative to /api/v1/. lantern/api/urls.py lists them inside
the "api" namespace, so they reverse as `api:network-report` and so on."""

from django.urls import path

from . import api

urlpatterns = [
    path("network/reports/", api.ReportCreate.as_view(), name="network-reports"),
    path("network/reports/<int:pk>/", api.ReportDetail.as_view(), name="network-report"),
    path(
        "network/reports/<int:pk>/summaries/",
        api.SummaryShare.as_view(),
        name="network-report-summaries",
    ),
    path(
        "network/entities/<int:pk>/neighbourhood/",
        api.EntityNeighbourhood.as_view(),
        name="network-entity-neighbourhood",
    ),
    path("network/entities/<int:pk>/flag/", api.EntityFlag.as_view(), name="network-entity-flag"),
    path("network/summaries/", api.SummaryList.as_view(), name="network-summaries"),
]
