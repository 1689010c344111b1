from django.urls import path

from . import views

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign-in"),
    path("sign-in/code/", views.second_factor, name="second-factor"),
    path("sign-in/set-up-app/", views.enrol, name="enrol"),
    path("sign-out/", views.sign_out, name="sign-out"),
]
