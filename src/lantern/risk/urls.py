from django.urls import path

from . import views

urlpatterns = [
    path("approvals/", views.approvals, name="approvals"),
    path("people/<str:reference>/", views.history, name="person"),
    path("people/<str:reference>/new/", views.choose, name="choose"),
    path("people/<str:reference>/new/<str:tool>/", views.complete, name="complete"),
    path("assessments/<int:pk>/", views.assessment, name="assessment"),
    path("assessments/<int:pk>/decide/", views.decide, name="decide"),
    # The API is mounted with the rest under /api/v1/ (lantern/risk/api_urls.py).
]
