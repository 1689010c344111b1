"""Voice pages, mounted at /voice/ in the "voice" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.start, name="start"),
    path("feedback/", views.feedback_list, name="feedback-list"),
    path("feedback/new/", views.feedback_new, name="feedback-new"),
    path("feedback/<int:pk>/", views.feedback, name="feedback"),
    path("feedback/<int:pk>/tag/", views.feedback_tag, name="feedback-tag"),
    path("feedback/<int:pk>/consent/", views.feedback_consent, name="feedback-consent"),
    path("feedback/<int:pk>/quote/", views.feedback_quote, name="feedback-quote"),
    path("feedback/<int:pk>/link/", views.feedback_link, name="feedback-link"),
    path("quote/<int:pk>/remove/", views.quote_remove, name="quote-remove"),
    path("partnership/", views.partnership, name="partnership"),
    path("actions/", views.actions, name="actions"),
    path("actions/new/", views.action_new, name="action-new"),
    path("actions/<int:pk>/", views.action, name="action"),
    path("actions/<int:pk>/status/", views.action_status, name="action-status"),
]
