"""Justice pages, mounted at /justice/ in the "justice" namespace."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.operations, name="operations"),
    path("operation/<slug:code>/", views.operation, name="operation"),
    path("investigation/<int:pk>/", views.investigation, name="investigation"),
    path("investigation/<int:pk>/suspects/", views.suspect_add, name="suspect-add"),
    path("investigation/<int:pk>/victims/", views.victim_add, name="victim-add"),
    path("investigation/<int:pk>/arrests/", views.arrest_record, name="arrest-record"),
    path("investigation/<int:pk>/cases/", views.case_open, name="case-open"),
    path("investigation/<int:pk>/close/", views.investigation_close, name="investigation-close"),
    path("case/<int:pk>/", views.case, name="case"),
    path("case/<int:pk>/counts/", views.counts_add, name="counts-add"),
    path("case/<int:pk>/hearings/", views.hearing_schedule, name="hearing-schedule"),
    path("case/<int:pk>/pleas/", views.plea_enter, name="plea-enter"),
    path("case/<int:pk>/verdicts/", views.verdict_record, name="verdict-record"),
    path("case/<int:pk>/sentences/", views.sentences_pass, name="sentences-pass"),
    path("case/<int:pk>/bail/", views.bail_set, name="bail-set"),
    path("case/<int:pk>/orders/", views.order_make, name="order-make"),
    path("duties/", views.duties, name="duties"),
    path("duty/<int:pk>/done/", views.duty_done, name="duty-done"),
    path("person/<str:reference_>/bail/", views.person_bail, name="person-bail"),
]
