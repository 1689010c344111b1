"""The alerts API's routes. Mounted under /api/v1/ by lantern/api/urls.py:

path("alerts/", include(("lantern.alerts.api_urls", ...)))  # or these paths listed there
"""

from django.urls import path

from . import api

urlpatterns = [
    path("alerts/", api.AlertList.as_view(), name="alerts"),
    path("alerts/<int:pk>/", api.AlertDetail.as_view(), name="alert"),
    path("alerts/<int:pk>/acknowledge/", api.AlertAcknowledge.as_view(), name="alert-acknowledge"),
    path("alerts/<int:pk>/act/", api.AlertAct.as_view(), name="alert-act"),
    path("alerts/<int:pk>/dismiss/", api.AlertDismiss.as_view(), name="alert-dismiss"),
]
