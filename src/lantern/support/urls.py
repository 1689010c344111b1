"""Survivor support pages, mounted at /support/ in the "support" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.plans, name="plans"),
    path("plans/new/", views.plan_open, name="plan-open"),
    path("plan/<int:pk>/", views.plan, name="plan"),
    path("plan/<int:pk>/needs/", views.need_add, name="need-add"),
    path("plan/<int:pk>/goals/", views.goal_set, name="goal-set"),
    path("plan/<int:pk>/contacts/", views.contact_record, name="contact-record"),
    path("plan/<int:pk>/reviews/", views.review_record, name="review-record"),
    path("plan/<int:pk>/referrals/", views.referral_send, name="referral-send"),
    path("plan/<int:pk>/end/", views.plan_end, name="plan-end"),
    path("plan/<int:pk>/reengage/", views.plan_reengage, name="plan-reengage"),
    path("plan/<int:pk>/lead-worker/", views.lead_worker_change, name="lead-worker-change"),
    path("need/<int:pk>/met/", views.need_met, name="need-met"),
    path("goal/<int:pk>/close/", views.goal_close, name="goal-close"),
    path("referral/<int:pk>/answer/", views.referral_answer, name="referral-answer"),
    path("referral/<int:pk>/start/", views.referral_start, name="referral-start"),
    path("referral/<int:pk>/end/", views.referral_end, name="referral-end"),
    path("referral/<int:pk>/withdraw/", views.referral_withdraw, name="referral-withdraw"),
    path("person/<str:reference>/", views.person, name="person"),
    path("person/<str:reference>/safe-contact/", views.safe_contact, name="safe-contact"),
    path("services/", views.directory, name="directory"),
    path("services/new/", views.service_create, name="service-create"),
    path("services/<slug:code>/", views.service, name="service"),
    path("services/<slug:code>/update/", views.service_update, name="service-update"),
    path("providers/new/", views.provider_create, name="provider-create"),
]
