"""The risk tools API's routes, relative to /api/v1/. lantern/api/urls.py includes them
(`path("", include(risk_api_urls))` inside the "api" namespace), so they reverse as
`api:risk-tools` and so on."""

from django.urls import path

from . import api

urlpatterns = [
    path("risk/tools/", api.RiskToolList.as_view(), name="risk-tools"),
    path(
        "people/<str:reference>/risk-assessments/",
        api.PersonRiskAssessments.as_view(),
        name="person-risk-assessments",
    ),
    path("risk-assessments/<int:pk>/", api.RiskAssessmentDetail.as_view(), name="risk-assessment"),
    path(
        "risk-assessments/<int:pk>/approve/",
        api.RiskAssessmentApprove.as_view(),
        name="risk-assessment-approve",
    ),
    path(
        "risk-assessments/<int:pk>/reject/",
        api.RiskAssessmentReject.as_view(),
        name="risk-assessment-reject",
    ),
]
