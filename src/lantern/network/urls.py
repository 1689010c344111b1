from django.urls import path

from . import views

urlpatterns = [
    path("", views.start, name="start"),
    path("person/<str:reference>/", views.person, name="person"),
    path("entity/<int:pk>/", views.entity, name="entity"),
    path("entity/<int:pk>/graph.json", views.graph_json, name="graph"),
    path("entity/<int:pk>/profile.pdf", views.entity_profile, {"fmt": "pdf"}, name="entity-pdf"),
    path("entity/<int:pk>/profile.csv", views.entity_profile, {"fmt": "csv"}, name="entity-csv"),
    path("group/<int:community>/", views.group, name="group"),
    path(
        "group/<int:community>/profile.pdf", views.group_profile, {"fmt": "pdf"}, name="group-pdf"
    ),
    path(
        "group/<int:community>/profile.csv", views.group_profile, {"fmt": "csv"}, name="group-csv"
    ),
    path("chain/", views.chain, name="chain"),
    path("report/<int:pk>/", views.report, name="report"),
]
