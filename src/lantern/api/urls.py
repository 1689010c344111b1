from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from lantern.alerts import api_urls as alerts_api_urls
from lantern.casework import api as casework_api
from lantern.casework import api_steps as steps
from lantern.chronology import api as chronology_api
from lantern.frontdoor import api as frontdoor_api
from lantern.justice import api_urls as justice_api_urls
from lantern.network import api_urls as network_api_urls
from lantern.risk import api_urls as risk_api_urls
from lantern.sar import api_urls as sar_api_urls
from lantern.support import api_urls as support_api_urls
from lantern.timescales import api as timescales_api
from lantern.voice import api_urls as voice_api_urls

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
    # Casework steps for a child (lantern/casework/api_steps.py)
    path("people/<str:reference>/cases/", steps.CaseOpen.as_view(), name="person-cases"),
    path(
        "people/<str:reference>/cases/close/", steps.CaseClose.as_view(), name="person-case-close"
    ),
    path("people/<str:reference>/meetings/", steps.MeetingCreate.as_view(), name="person-meetings"),
    path(
        "people/<str:reference>/assessments/",
        steps.AssessmentCreate.as_view(),
        name="person-assessments",
    ),
    path(
        "people/<str:reference>/conferences/",
        steps.ConferenceCreate.as_view(),
        name="person-conferences",
    ),
    path("people/<str:reference>/plans/", steps.PlanCreate.as_view(), name="person-plans"),
    # ... and on each casework record
    path("meetings/<int:pk>/", steps.MeetingDetail.as_view(), name="meeting"),
    path("meetings/<int:pk>/actions/", steps.MeetingActionAdd.as_view(), name="meeting-actions"),
    path("meetings/<int:pk>/enquiry/", steps.EnquiryStart.as_view(), name="meeting-enquiry"),
    path("enquiries/<int:pk>/", steps.EnquiryDetail.as_view(), name="enquiry"),
    path("enquiries/<int:pk>/complete/", steps.EnquiryComplete.as_view(), name="enquiry-complete"),
    path("assessments/<int:pk>/", steps.AssessmentDetail.as_view(), name="assessment"),
    path(
        "assessments/<int:pk>/complete/",
        steps.AssessmentComplete.as_view(),
        name="assessment-complete",
    ),
    path("conferences/<int:pk>/", steps.ConferenceDetail.as_view(), name="conference"),
    path("plans/<int:pk>/", steps.PlanDetail.as_view(), name="plan"),
    path("plans/<int:pk>/actions/", steps.PlanActionAdd.as_view(), name="plan-actions"),
    path(
        "plans/<int:pk>/core-group-meetings/",
        steps.PlanCoreGroupMeeting.as_view(),
        name="plan-core-group-meetings",
    ),
    path("plans/<int:pk>/reviews/", steps.PlanReview.as_view(), name="plan-reviews"),
    path("plans/<int:pk>/schedule/", steps.PlanSchedule.as_view(), name="plan-schedule"),
    path("plans/<int:pk>/close/", steps.PlanClose.as_view(), name="plan-close"),
    path("actions/", casework_api.ActionList.as_view(), name="actions"),
    path(
        "actions/<int:pk>/complete/",
        casework_api.ActionComplete.as_view(),
        name="action-complete",
    ),
    path("deadlines/", timescales_api.MyDeadlines.as_view(), name="deadlines"),
    path("deadlines/team/", timescales_api.TeamDeadlines.as_view(), name="deadlines-team"),
    path("referrals/", frontdoor_api.ReferralCreate.as_view(), name="referrals"),
    path("referrals/<str:reference>/", frontdoor_api.ReferralDetail.as_view(), name="referral"),
    path("information-requests/", frontdoor_api.RequestList.as_view(), name="information-requests"),
    path(
        "information-requests/<int:pk>/answer/",
        frontdoor_api.RequestAnswer.as_view(),
        name="information-request-answer",
    ),
    *risk_api_urls.urlpatterns,
    *alerts_api_urls.urlpatterns,
    *network_api_urls.urlpatterns,
    *justice_api_urls.urlpatterns,
    *support_api_urls.urlpatterns,
    *voice_api_urls.urlpatterns,
    *sar_api_urls.urlpatterns,
]
