from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.SignInView.as_view(), name="sign-in"),
    path("sign-out/", views.SignOutView.as_view(), name="sign-out"),
    path("people/", views.people_search, name="people-search"),
    path("people/<str:reference>/", views.person_detail, name="person"),
]
