"""The support API's routes, relative to /api/v1/. lantern/api/urls.py lists them inside
the "api" namespace, so they reverse as `api:support-plans` and so on."""

from django.urls import path

from . import api

urlpatterns = [
    path("support/plans/", api.PlanList.as_view(), name="support-plans"),
    path("support/plans/<int:pk>/", api.PlanDetail.as_view(), name="support-plan"),
    path(
        "support/plans/<int:pk>/referrals/",
        api.PlanReferrals.as_view(),
        name="support-plan-referrals",
    ),
    path("support/services/", api.Directory.as_view(), name="support-services"),
    path(
        "support/referrals/<int:pk>/answer/",
        api.ReferralAnswer.as_view(),
        name="support-referral-answer",
    ),
    path(
        "support/referrals/<int:pk>/start/",
        api.ReferralStart.as_view(),
        name="support-referral-start",
    ),
    path("support/referrals/<int:pk>/end/", api.ReferralEnd.as_view(), name="support-referral-end"),
    path(
        "support/referrals/<int:pk>/withdraw/",
        api.ReferralWithdraw.as_view(),
        name="support-referral-withdraw",
    ),
    path(
        "support/people/<str:reference>/safe-contact/",
        api.SafeContactDetail.as_view(),
        name="support-safe-contact",
    ),
]
