"""The voice API's routes, relative to /api/v1/. lantern/api/urls.py lists them inside the
"api" namespace, so they reverse as `api:voice-feedback` and so on."""

from django.urls import path

from . import api

urlpatterns = [
    path("voice/feedback/", api.FeedbackList.as_view(), name="voice-feedback"),
    path("voice/feedback/<int:pk>/", api.FeedbackDetail.as_view(), name="voice-feedback-detail"),
    path(
        "voice/feedback/<int:pk>/themes/",
        api.FeedbackThemes.as_view(),
        name="voice-feedback-themes",
    ),
    path(
        "voice/feedback/<int:pk>/consent/",
        api.FeedbackConsent.as_view(),
        name="voice-feedback-consent",
    ),
    path("voice/partnership/", api.PartnershipView.as_view(), name="voice-partnership"),
    path("voice/actions/", api.ActionList.as_view(), name="voice-actions"),
    path("voice/actions/<int:pk>/", api.ActionDetail.as_view(), name="voice-action"),
]
