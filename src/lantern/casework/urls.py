from django.urls import path

from . import views

urlpatterns = [
    path("actions/", views.action_list, name="actions"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("people/<str:reference>/", views.overview, name="person"),
    path("people/<str:reference>/open/", views.case_open, name="case-open"),
    path("people/<str:reference>/close/", views.case_close, name="case-close"),
    path("people/<str:reference>/meetings/<str:kind>/", views.meeting_new, name="meeting-new"),
    path("people/<str:reference>/assessment/", views.assessment_new, name="assessment-new"),
    path("people/<str:reference>/conference/", views.conference_new, name="conference-new"),
    path("people/<str:reference>/plan/", views.plan_new, name="plan-new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/actions/", views.meeting_action_add, name="meeting-action"),
    path("meetings/<int:pk>/enquiry/", views.enquiry_start, name="enquiry-start"),
    path("enquiries/<int:pk>/", views.enquiry_detail, name="enquiry"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment"),
    path("conferences/<int:pk>/", views.conference_detail, name="conference"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/actions/", views.plan_action_add, name="plan-action"),
    path("plans/<int:pk>/core-group/", views.plan_core_group, name="plan-core-group"),
    path("plans/<int:pk>/review/", views.plan_review, name="plan-review"),
    path("plans/<int:pk>/schedule/", views.plan_schedule, name="plan-schedule"),
    path("plans/<int:pk>/close/", views.plan_close, name="plan-close"),
    # The API is mounted with the rest under /api/v1/ (lantern/api/urls.py).
]
