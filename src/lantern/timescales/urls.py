from django.urls import path

from . import views

urlpatterns = [
    path("", views.my_worklist, name="mine"),
    path("team/", views.team_worklist, name="team"),
]
