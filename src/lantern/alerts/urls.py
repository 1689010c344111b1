from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.alert_detail, name="alert"),
    path("<int:pk>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
    path("<int:pk>/act/", views.alert_act, name="alert-act"),
    path("<int:pk>/dismiss/", views.alert_dismiss, name="alert-dismiss"),
    path("tasks/<int:pk>/done/", views.task_done, name="task-done"),
    path("rules/", views.rules_report, name="rules"),
    path("rules/<slug:code>/", views.rules_report, name="rule"),
    # The API is mounted with the rest under /api/v1/ (alerts/api_urls.py).
]
