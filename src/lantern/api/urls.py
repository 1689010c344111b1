from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import views

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("people/", views.PeopleSearch.as_view(), name="people-search"),
    path("people/match/", views.PeopleMatch.as_view(), name="people-match"),
    path("people/<str:reference>/", views.PersonDetail.as_view(), name="person"),
]
