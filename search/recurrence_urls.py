"""The recurrence report at /tracker/recurrence/."""

from django.urls import path

from . import recurrence_views

urlpatterns = [
    path("", recurrence_views.report_page, name="recurrence_report"),
    path("export.xlsx", recurrence_views.report_xlsx, name="recurrence_report_xlsx"),
]
