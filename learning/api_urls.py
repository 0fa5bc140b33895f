"""The tracker's JSON API under /api/learning/."""

from django.urls import path  # noqa: F401

urlpatterns = []
