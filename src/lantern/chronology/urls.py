from django.urls import path

from . import views

urlpatterns = [
    path("<str:reference>/", views.chronology, name="person"),
    path("<str:reference>/export.pdf", views.chronology_export, name="export"),
    # The API is mounted with the rest under /api/v1/ (lantern/api/urls.py).
]
