from django.urls import path

from . import views

urlpatterns = [
    path("reviews/", views.review_list, name="review-list"),
    path("reviews/<int:pk>/", views.review_pair, name="review-pair"),
    path("records/<int:record_id>/split/", views.record_split, name="record-split"),
    path("changes/<int:change_id>/undo/", views.change_undo, name="change-undo"),
]
