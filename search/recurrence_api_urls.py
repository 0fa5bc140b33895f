"""The recurrence JSON API under /api/learning/."""

from django.urls import path

from . import recurrence_views

urlpatterns = [
    path("similar/", recurrence_views.similar_to_text, name="api_similar"),
    path(
        "recommendations/<id:pk>/similar/",
        recurrence_views.similar_to_recommendation,
        name="api_recommendation_similar",
    ),
    path(
        "recommendations/<id:pk>/recurrence/",
        recurrence_views.record_decision,
        name="api_recurrence_decision",
    ),
]
