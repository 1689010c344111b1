from django.urls import path

from . import api, views

urlpatterns = [
    path("", views.queue, name="queue"),
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/new/", views.referral_new, name="referral-new"),
    path("referrals/<str:reference>/", views.referral_detail, name="referral"),
    path("referrals/<str:reference>/match/", views.referral_match, name="referral-match"),
    path(
        "referrals/<str:reference>/new-person/",
        views.referral_person_new,
        name="referral-new-person",
    ),
    path("referrals/<str:reference>/rate/", views.referral_rate, name="referral-rate"),
    path("referrals/<str:reference>/ask/", views.referral_request, name="referral-ask"),
    path("referrals/<str:reference>/decide/", views.referral_decide, name="referral-decide"),
    path("referrals/<str:reference>/feedback/", views.referral_feedback, name="referral-feedback"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    # The API (JSON), under the front door's own prefix with names of its own.
    path("api/referrals/", api.ReferralCreate.as_view(), name="api-referrals"),
    path("api/referrals/<str:reference>/", api.ReferralDetail.as_view(), name="api-referral"),
    path("api/requests/", api.RequestList.as_view(), name="api-requests"),
    path("api/requests/<int:pk>/answer/", api.RequestAnswer.as_view(), name="api-request-answer"),
]
