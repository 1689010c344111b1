"""The justice API's routes, relative to /api/v1/. lantern/api/urls.py lists them inside
the "api" namespace, so they reverse as `api:justice-case` and so on."""

from django.urls import path

from . import api

urlpatterns = [
    path("justice/operations/", api.OperationList.as_view(), name="justice-operations"),
    path(
        "justice/operations/<slug:code>/totals/",
        api.OperationTotals.as_view(),
        name="justice-operation-totals",
    ),
    path("justice/cases/<int:pk>/", api.CaseDetail.as_view(), name="justice-case"),
    path("justice/cases/<int:pk>/pleas/", api.CasePlea.as_view(), name="justice-case-pleas"),
    path(
        "justice/cases/<int:pk>/verdicts/", api.CaseVerdict.as_view(), name="justice-case-verdicts"
    ),
    path(
        "justice/cases/<int:pk>/sentences/",
        api.CaseSentences.as_view(),
        name="justice-case-sentences",
    ),
]
