"""A person's own pages under /account/: their account, password reset, invitations."""

from django.contrib.auth import views as auth_views
from django.urls import path

from .views import account

app_name = "account"
urlpatterns = [
    path("", account.account, name="account"),
    path("tokens/<id:pk>/revoke/", account.revoke_token, name="revoke_token"),
    path("tokens/older/revoke/", account.revoke_older_token, name="revoke_older_token"),
    path("invitation/<str:token>/", account.accept_invitation, name="accept_invitation"),
    path("password/reset/", account.ThrottledPasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        account.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
