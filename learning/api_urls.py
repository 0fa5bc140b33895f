"""The tracker's JSON API under /api/learning/."""

from django.urls import path

from . import api

urlpatterns = [
    path("actions/", api.ActionList.as_view(), name="api_actions"),
    path(
        "actions/<id:pk>/updates/",
        api.ActionUpdateCreate.as_view(),
        name="api_action_updates",
    ),
]
