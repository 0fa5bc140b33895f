"""Agency actions: the lead's list, the action page with its history and forms, evidence downloads."""

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import permissions, services
from ..evidence import serve_private_file
from ..filters import filtered_actions, page_of_actions, query_without_page
from ..forms import (
    AssuranceForm,
    ChallengeReplyForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    ProgressUpdateForm,
)
from ..models import AgencyAction, EvidenceFile, ExtensionRequest

ACTIONS_PER_PAGE = 50


tracker_view = permissions.tracker_gate()


def _visible_action(request, pk):
    action = get_object_or_404(AgencyAction.objects.with_context(), pk=pk)
    if not permissions.can_see_action(request.user, action):
        raise PermissionDenied("This action belongs to another agency.")
    return action


@tracker_view
def my_actions(request):
    """An agency lead's actions (everyone's for the business unit and scrutineer), overdue first,
    filtered by the tracker's one filter form; the pages keep the filters."""
    today = timezone.localdate()
    form, actions = filtered_actions(request.user, request.GET, today)
    page = page_of_actions(actions, request.GET.get("page"), ACTIONS_PER_PAGE, today)
    return render(
        request,
        "learning/my_actions.html",
        {
            "form": form,
            "page_obj": page,
            "actions": page.object_list,
            "querystring_without_page": query_without_page(request.GET),
            "filter_action": request.path,
            "sees_everything": permissions.can_see_everything_in_tracker(request.user),
        },
        status=400 if form.refused else 200,
    )


def _action_page(request, action, status=200, **forms):
    """The action page: its facts, its full history and the forms this person may use."""
    user = request.user
    may_update = permissions.can_update_action(user, action)
    may_assure = permissions.can_assure(user)
    context = {
        "action": action,
        "review": action.review,
        "history": action.updates.select_related("author").prefetch_related("evidence"),
        "assurances": action.assurances.select_related("by"),
        "extensions": action.extension_requests.select_related("requested_by", "decided_by"),
        "may_update": may_update,
        "may_decide_extensions": permissions.can_decide_extensions(user),
        # A refused assurance keeps its form on the page so the reason is shown beside it.
        "may_assure": may_assure
        and (action.status == AgencyAction.Status.COMPLETE or "assurance_form" in forms),
        "update_form": forms.get("update_form")
        or (ProgressUpdateForm(user=user, action=action) if may_update else None),
        "extension_form": forms.get("extension_form")
        or (ExtensionRequestForm() if may_update else None),
        "decision_form": forms.get("decision_form") or ExtensionDecisionForm(),
        "assurance_form": forms.get("assurance_form")
        or AssuranceForm(initial={"version": action.version}),
        "stale_changes": forms.get("stale_changes"),
        # The challenge is a conversation: the agency answers on the action itself.
        "reply_form": forms.get("reply_form")
        or (
            ChallengeReplyForm(initial={"version": action.version})
            if permissions.can_reply_to_challenge(user, action)
            and AgencyAction.objects.filter(pk=action.pk).challenged().exists()
            else None
        ),
    }
    return render(request, "learning/action_detail.html", context, status=status)


@tracker_view
def action_detail(request, pk):
    action = _visible_action(request, pk)
    if request.method != "POST":
        return _action_page(request, action)
    if not permissions.can_update_action(request.user, action):
        raise PermissionDenied("Only the agency's leads and the business unit update this action.")
    form = ProgressUpdateForm(request.POST, request.FILES, user=request.user, action=action)
    if not form.is_valid():
        return _action_page(request, action, status=400, update_form=form)
    data = form.cleaned_data
    try:
        services.post_update(
            action,
            request.user,
            version=data["version"],
            status=data["status"],
            rag=data["rag"],
            note=data["note"],
            evidence=data["evidence"],
        )
    except services.StaleVersion as stale:
        # Keep what they typed, now against the latest version, so a deliberate re-save works.
        retry = request.POST.copy()
        retry["version"] = str(stale.action.version)
        action = _visible_action(request, pk)
        return _action_page(
            request,
            action,
            status=409,
            update_form=ProgressUpdateForm(retry, user=request.user, action=action),
            stale_changes=stale.changes(),
        )
    except services.ActionRuleError as refused:
        form.add_error(None, str(refused))
        return _action_page(request, action, status=400, update_form=form)
    messages.success(request, "Your progress update has been added to the action's history.")
    return redirect(action)


@tracker_view
@require_POST
def request_extension(request, pk):
    action = _visible_action(request, pk)
    if not permissions.can_request_extension(request.user, action):
        raise PermissionDenied("Only the agency's leads ask for more time.")
    form = ExtensionRequestForm(request.POST)
    if form.is_valid():
        try:
            services.request_extension(action, request.user, **form.cleaned_data)
        except services.ActionRuleError as refused:
            form.add_error(None, str(refused))
    if not form.is_valid():
        return _action_page(request, action, status=400, extension_form=form)
    messages.success(request, "Your request for more time has been sent to the business unit.")
    return redirect(action)


@tracker_view
@require_POST
def decide_extension(request, pk):
    extension = get_object_or_404(ExtensionRequest, pk=pk)
    action = _visible_action(request, extension.action_id)
    if not permissions.can_decide_extensions(request.user):
        raise PermissionDenied("The business unit decides extension requests.")
    form = ExtensionDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_extension(
                extension,
                request.user,
                accept=form.cleaned_data["decision"] == "accept",
                note=form.cleaned_data["note"],
            )
        except services.ActionRuleError as refused:
            form.add_error(None, str(refused))
    if not form.is_valid():
        return _action_page(request, action, status=400, decision_form=form)
    messages.success(request, "The extension request has been decided and the agency can see it.")
    return redirect(action)


@tracker_view
@require_POST
def assure(request, pk):
    action = _visible_action(request, pk)
    if not permissions.can_assure(request.user):
        raise PermissionDenied("Assurance is the scrutineer's sign-off.")
    form = AssuranceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if data["decision"] == "assure":
            decide = services.assure_action
        else:
            decide = functools.partial(services.challenge_action, answer_due=data["answer_due"])
        try:
            decide(action, request.user, note=data["note"], version=data["version"])
        except services.StaleVersion as stale:
            return _action_page(
                request,
                _visible_action(request, pk),
                status=409,
                assurance_form=form,
                stale_changes=stale.changes(),
            )
        except services.ActionRuleError as refused:
            form.add_error(None, str(refused))
    if not form.is_valid():
        return _action_page(request, action, status=400, assurance_form=form)
    if data["decision"] == "assure":
        messages.success(request, "The action is assured.")
    else:
        action.refresh_from_db()
        messages.success(
            request,
            f"The action is challenged and back in progress; its leads are told and asked to "
            f"answer by {action.challenge_answer_due:%-d %B %Y}.",
        )
    return redirect(action)


@tracker_view
@require_POST
def reply_to_challenge(request, pk):
    action = _visible_action(request, pk)
    if not permissions.can_reply_to_challenge(request.user, action):
        raise PermissionDenied("The agency's leads answer the scrutineer's challenge.")
    form = ChallengeReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.reply_to_challenge(
                action,
                request.user,
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
                evidence=form.cleaned_data["evidence"],
            )
        except services.StaleVersion as stale:
            return _action_page(
                request,
                _visible_action(request, pk),
                status=409,
                reply_form=form,
                stale_changes=stale.changes(),
            )
        except services.ActionRuleError as refused:
            form.add_error(None, str(refused))
    if not form.is_valid():
        return _action_page(request, action, status=400, reply_form=form)
    messages.success(request, "Your answer is on the action, and the scrutineer has been told.")
    return redirect(action)


@tracker_view
def evidence_download(request, pk):
    """Evidence is served through this view, never a public media URL, after a permission check."""
    evidence = get_object_or_404(EvidenceFile.objects.select_related("update__action"), pk=pk)
    if not permissions.can_see_action(request.user, evidence.update.action):
        raise PermissionDenied("This evidence belongs to another agency's action.")
    return serve_private_file(evidence.file, evidence.original_name, evidence.content_type)
