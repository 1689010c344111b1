from django.urls import path

from . import views

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
    path("referrals/<str:reference>/consult/", views.referral_consult, name="referral-consult"),
    path("referrals/<str:reference>/decide/", views.referral_decide, name="referral-decide"),
    path("referrals/<str:reference>/feedback/", views.referral_feedback, name="referral-feedback"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    # The API is mounted with the rest under /api/v1/ (lantern/api/urls.py).
]
