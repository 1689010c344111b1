from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from lantern.casework import api as casework_api
from lantern.chronology import api as chronology_api
from lantern.frontdoor import api as frontdoor_api

from . import views

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("people/", views.PeopleSearch.as_view(), name="people-search"),
    path("people/match/", views.PeopleMatch.as_view(), name="people-match"),
    path("people/<str:reference>/", views.PersonDetail.as_view(), name="person"),
    path(
        "people/<str:reference>/casework/",
        casework_api.CaseworkDetail.as_view(),
        name="person-casework",
    ),
    path(
        "people/<str:reference>/chronology/",
        chronology_api.ChronologyDetail.as_view(),
        name="person-chronology",
    ),
    path("actions/", casework_api.ActionList.as_view(), name="actions"),
    path(
        "actions/<int:pk>/complete/",
        casework_api.ActionComplete.as_view(),
        name="action-complete",
    ),
    path("referrals/", frontdoor_api.ReferralCreate.as_view(), name="referrals"),
    path("referrals/<str:reference>/", frontdoor_api.ReferralDetail.as_view(), name="referral"),
    path("information-requests/", frontdoor_api.RequestList.as_view(), name="information-requests"),
    path(
        "information-requests/<int:pk>/answer/",
        frontdoor_api.RequestAnswer.as_view(),
        name="information-request-answer",
    ),
]
