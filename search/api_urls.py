"""The search JSON API under /api/learning/search/."""

from django.urls import path  # noqa: F401

urlpatterns = []
