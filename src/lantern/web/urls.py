from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("people/", views.people_search, name="people-search"),
    path("people/<str:reference>/", views.person_detail, name="person"),
]
