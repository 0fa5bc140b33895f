"""The /alerts/ page (a signed-in user's saved searches and followed themes) and unsubscribing
from an email's link without signing in."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from .forms import LearningAlertForm
from .models import LearningAlert


@login_required
@require_http_methods(["GET", "POST"])
def alerts_page(request):
    if request.method == "POST":
        form = LearningAlertForm(request.POST, user=request.user)
        if form.is_valid():
            alert = form.save()
            messages.success(request, f"Alert saved: new learning for {alert.description}.")
            return redirect("alerts")
    else:
        form = LearningAlertForm(
            initial={"query": request.GET.get("q", "")[:200], "frequency": "weekly"},
            user=request.user,
        )
    alerts = LearningAlert.objects.filter(user=request.user).select_related("theme")
    status = 400 if form.errors else 200
    return render(
        request,
        "search/alerts.html",
        {"form": form, "alerts": alerts, "has_email": bool(request.user.email)},
        status=status,
    )


@login_required
@require_POST
def delete_alert(request, alert_id):
    alert = get_object_or_404(LearningAlert, pk=alert_id, user=request.user)
    alert.delete()
    messages.success(request, f"Alert stopped: {alert.description}.")
    return redirect("alerts")


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET asks to confirm (mail scanners follow links); POST stops the alert."""
    alert = LearningAlert.objects.filter(token=token).select_related("theme").first()
    if request.method == "POST" and alert is not None:
        description = alert.description
        alert.delete()
        return render(request, "search/unsubscribed.html", {"description": description})
    return render(
        request, "search/unsubscribe.html", {"alert": alert}, status=200 if alert else 404
    )
