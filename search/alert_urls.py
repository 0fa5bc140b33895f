"""Learning alerts at /alerts/, and the unsubscribe link that needs no sign-in."""

from django.urls import path

from . import alert_views

urlpatterns = [
    path("", alert_views.alerts_page, name="alerts"),
    path("<id:alert_id>/delete/", alert_views.delete_alert, name="alert_delete"),
    path("unsubscribe/<str:token>/", alert_views.unsubscribe, name="alert_unsubscribe"),
]
