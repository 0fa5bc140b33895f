"""Section 11 pages: audit cycles and their standards, agencies' returns, the challenge panel's
notes and the agencies × standards heatmap."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Prefetch, When
from django.forms import modelformset_factory
from django.shortcuts import get_object_or_404, redirect, render

from .. import permissions
from .. import section11 as services
from ..evidence import serve_private_file
from ..filters import record_id
from ..forms import StandardEvidenceForm
from ..models import (
    Agency,
    AgencyAction,
    AuditCycle,
    ChallengeNote,
    Partnership,
    Section11Return,
    Standard,
    StandardAnswer,
    StandardEvidenceFile,
)
from ..stale_edits import RefusesStaleEdits


class AuditCycleForm(forms.ModelForm):
    """A new cycle, of the partnership whose business unit the officer is (a choice only for
    someone in the business unit of several, the children's partnership first)."""

    partnership = forms.ModelChoiceField(queryset=Partnership.objects.none(), empty_label=None)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = Partnership.objects.filter(
            pk__in=permissions.section11_managed_partnership_ids(user)
        ).order_by(
            Case(When(framework=Partnership.Framework.CHILDREN, then=0), default=1),
            "sort_order",
            "pk",
        )
        self.fields["partnership"].queryset = choices
        self.only_choice = choices[0] if len(choices) == 1 else None
        if self.only_choice is not None:
            # Nothing to choose: the officer's one partnership, without asking.
            self.fields["partnership"].widget = forms.HiddenInput()
            self.fields["partnership"].required = False

    def clean_partnership(self):
        return self.cleaned_data.get("partnership") or self.only_choice

    class Meta:
        model = AuditCycle
        fields = ["name", "opens_on", "closes_on"]
        widgets = {
            "opens_on": forms.DateInput(attrs={"type": "date"}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {"opens_on": "Opens on", "closes_on": "Closes on"}

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("partnership")
            and cleaned.get("name")
            and AuditCycle.objects.filter(
                partnership=cleaned["partnership"], name=cleaned["name"]
            ).exists()
        ):
            self.add_error("name", "This partnership already has an audit cycle of that name.")
        if (
            cleaned.get("opens_on")
            and cleaned.get("closes_on")
            and cleaned["closes_on"] < cleaned["opens_on"]
        ):
            raise forms.ValidationError("The cycle must close on or after the day it opens.")
        return cleaned


class BaseStandardFormSet(forms.BaseModelFormSet):
    def clean(self):
        super().clean()
        # Every standard of the cycle is in the formset, so duplicates show up here.
        numbers = [
            form.cleaned_data["number"]
            for form in self.forms
            if form.has_changed() or form.instance.pk
            if form.cleaned_data.get("number")
        ]
        duplicates = sorted({number for number in numbers if numbers.count(number) > 1})
        if duplicates:
            raise forms.ValidationError(
                f"Each standard needs its own number; used more than once: {', '.join(duplicates)}."
            )


class StandardForm(RefusesStaleEdits, forms.ModelForm):
    stale_edit_noun = "standard"
    stale_edit_page = "the standards page"


StandardFormSet = modelformset_factory(
    Standard,
    form=StandardForm,
    formset=BaseStandardFormSet,
    fields=["number", "title", "description", "sort_order"],
    extra=1,
    can_delete=False,
)


class AnswerForm(forms.ModelForm):
    rating = forms.ChoiceField(
        choices=[("", "Not rated yet"), *StandardAnswer.Rating.choices],
        required=False,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = StandardAnswer
        fields = ["rating", "narrative", "evidence"]
        widgets = {
            "narrative": forms.Textarea(attrs={"rows": 4}),
            "evidence": forms.Textarea(attrs={"rows": 3}),
        }


AnswerFormSet = modelformset_factory(StandardAnswer, form=AnswerForm, extra=0, can_delete=False)


class ChallengeNoteForm(forms.Form):
    standard = forms.ModelChoiceField(
        queryset=Standard.objects.none(),
        required=False,
        empty_label="The return as a whole",
        label="About",
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Challenge note")

    def __init__(self, *args, cycle=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["standard"].queryset = cycle.standards.all()


def _cycle_or_404(user, cycle_id):
    """A cycle of the person's own partnerships; another partnership's is not found."""
    return get_object_or_404(permissions.visible_cycles(user), pk=cycle_id)


@permissions.tracker_gate()
def section11_index(request):
    can_manage = permissions.can_manage_section11(request.user)
    form = AuditCycleForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only the business unit opens Section 11 audit cycles.")
        if form.is_valid():
            cycle = services.open_cycle(**form.cleaned_data)
            messages.success(request, f"{cycle.name} is open, with the ten standards to review.")
            return redirect("learning:section11_cycle", cycle.pk)
    # Said explicitly: a model's default ordering is not applied to a query with aggregates.
    cycles = (
        permissions.visible_cycles(request.user)
        .annotate(
            return_count=Count("returns", distinct=True),
            standard_count=Count("standards", distinct=True),
        )
        .select_related("partnership")
        .order_by("-opens_on", "-pk")
    )
    return render(
        request,
        "learning/section11_index.html",
        {"cycles": cycles, "form": form, "can_manage": can_manage},
    )


@permissions.tracker_gate()
def section11_cycle(request, cycle_id):
    cycle = _cycle_or_404(request.user, cycle_id)
    can_manage = permissions.can_manage_section11(request.user, cycle.partnership_id)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only the business unit closes or reopens a cycle.")
        services.set_cycle_open(cycle, request.POST.get("open") == "1")
        messages.success(request, f"The cycle is now {'open' if cycle.is_open else 'closed'}.")
        return redirect("learning:section11_cycle", cycle.pk)
    returns = {
        section11_return.agency_id: section11_return
        for section11_return in Section11Return.objects.filter(cycle=cycle)
    }
    agencies = [
        (agency, returns.get(agency.pk))
        for agency in permissions.visible_agencies(request.user).filter(active=True)
        if permissions.can_see_section11_return(request.user, agency.pk, cycle.partnership_id)
    ]
    return render(
        request,
        "learning/section11_cycle.html",
        {
            "cycle": cycle,
            "standards": cycle.standards.all(),
            "agencies": agencies,
            "can_manage": can_manage,
            "can_see_heatmap": cycle.partnership_id
            in permissions.tracker_partnership_ids(request.user),
        },
    )


@permissions.tracker_gate(
    permissions.can_manage_section11, "Only the business unit edits a cycle's standards."
)
def section11_standards(request, cycle_id):
    cycle = _cycle_or_404(request.user, cycle_id)
    if not permissions.can_manage_section11(request.user, cycle.partnership_id):
        raise PermissionDenied("Only the cycle's partnership's business unit edits its standards.")
    formset = StandardFormSet(request.POST or None, queryset=cycle.standards.all())
    if request.method == "POST" and formset.is_valid():
        for standard in formset.save(commit=False):
            standard.cycle = cycle
            standard.save()
        messages.success(request, "The standards were saved.")
        return redirect("learning:section11_cycle", cycle.pk)
    if request.method == "POST":
        messages.error(request, "Some standards need correcting: nothing was saved.")
    return render(
        request, "learning/section11_standards.html", {"cycle": cycle, "formset": formset}
    )


def _answer_data(formset):
    return {
        form.instance.pk: {
            field: form.cleaned_data.get(field, "") for field in ("rating", "narrative", "evidence")
        }
        for form in formset.forms
    }


@permissions.tracker_gate()
def section11_return(request, cycle_id, slug):
    cycle = _cycle_or_404(request.user, cycle_id)
    agency = get_object_or_404(Agency, slug=slug)
    partnership_id = cycle.partnership_id
    if not permissions.can_see_section11_return(request.user, agency.pk, partnership_id):
        raise PermissionDenied("You can only see the returns of the agencies you lead for.")
    can_edit = permissions.can_edit_section11_return(request.user, agency.pk, partnership_id)
    can_challenge = permissions.can_challenge_section11(request.user, partnership_id)
    can_answer = permissions.can_answer_section11_challenge(request.user, agency.pk, partnership_id)
    current = Section11Return.objects.filter(agency=agency, cycle=cycle).first()
    action = request.POST.get("action") if request.method == "POST" else None
    formset = None
    challenge_form = ChallengeNoteForm(request.POST if action == "challenge" else None, cycle=cycle)

    if action in ("start", "save", "submit", "evidence") and not can_edit:
        raise PermissionDenied("Only the agency's leads and the business unit change this return.")
    if action == "answer" and not can_answer:
        raise PermissionDenied("The agency's leads answer the challenge panel.")
    if action in ("evidence", "answer"):
        if current is None:
            messages.error(request, "Start the return first.")
        elif action == "evidence":
            _attach_evidence(request, current)
        else:
            _answer_note(request, current)
        return redirect("learning:section11_return", cycle.pk, agency.slug)
    if action == "challenge" and not can_challenge:
        raise PermissionDenied("Only the challenge panel records challenge notes.")

    if action == "start":
        if not cycle.is_open:
            messages.error(request, "This audit cycle is closed: no new returns can be started.")
        else:
            started = services.start_return(agency, cycle)
            if started.carried_forward_from_id:
                messages.success(request, "Return started from last cycle's answers.")
            else:
                messages.success(request, "Return started.")
        return redirect("learning:section11_return", cycle.pk, agency.slug)

    if action == "challenge" and current is not None and challenge_form.is_valid():
        services.add_challenge_note(
            current,
            request.user,
            challenge_form.cleaned_data["note"],
            challenge_form.cleaned_data["standard"],
        )
        messages.success(request, "The challenge note was recorded.")
        return redirect("learning:section11_return", cycle.pk, agency.slug)

    if current is not None:
        answers = current.answers.select_related("standard")
        if action in ("save", "submit"):
            formset = AnswerFormSet(request.POST, queryset=answers)
            try:
                version = int(request.POST.get("version", ""))
            except ValueError:
                version = None
            if version is None:
                messages.error(request, "The form was incomplete (no version): nothing was saved.")
            elif formset.is_valid():
                try:
                    services.save_answers(current, _answer_data(formset), version)
                    if action == "submit":
                        created = services.submit_return(current, request.user, current.version)
                        carried = (
                            AgencyAction.objects.filter(standard_answer__section11_return=current)
                            .exclude(pk__in=[action.pk for action in created])
                            .count()
                        )
                        carried_note = (
                            f" {carried} open action{'s' if carried != 1 else ''} from the last "
                            f"cycle carr{'y' if carried != 1 else 'ies'} forward."
                            if carried
                            else ""
                        )
                        messages.success(
                            request,
                            f"Return submitted and locked. {len(created)} "
                            + (
                                "gap became a tracked action."
                                if len(created) == 1
                                else "gaps became tracked actions."
                            )
                            + carried_note,
                        )
                    else:
                        messages.success(request, "Your answers were saved.")
                    return redirect("learning:section11_return", cycle.pk, agency.slug)
                except services.ReturnLocked as error:
                    messages.error(request, str(error))
                    return redirect("learning:section11_return", cycle.pk, agency.slug)
                except services.StaleReturn as error:
                    messages.error(request, str(error))
                    formset = None
                except ValueError as error:
                    # Answers were saved; only the submission was refused.
                    messages.error(request, f"Your answers were saved but not submitted: {error}")
                    return redirect("learning:section11_return", cycle.pk, agency.slug)
            else:
                messages.error(request, "Some answers need correcting: nothing was saved.")
        current.refresh_from_db()
        if formset is None and can_edit and not current.is_locked:
            formset = AnswerFormSet(queryset=answers)
        answers = list(answers)
    else:
        answers = []

    return render(
        request,
        "learning/section11_return.html",
        {
            "cycle": cycle,
            "agency": agency,
            "section11_return": current,
            "answers": answers,
            "formset": formset,
            "can_edit": can_edit,
            "can_challenge": can_challenge,
            "challenge_form": challenge_form,
            "challenge_notes": current.challenge_notes.filter(reply_to__isnull=True)
            .select_related("author", "standard")
            .prefetch_related(
                Prefetch("replies", queryset=ChallengeNote.objects.select_related("author"))
            )
            if current
            else [],
            "can_answer": can_answer,
            "evidence_by_answer": _evidence_by_answer(answers),
            "may_attach": bool(current and can_edit and not current.is_locked),
            "evidence_form": StandardEvidenceForm(),
            "gap_actions": AgencyAction.objects.filter(
                standard_answer__section11_return=current
            ).select_related("standard_answer__standard")
            if current
            else [],
        },
    )


def _evidence_by_answer(answers):
    """Each answer with its files, in one query."""
    files = {}
    for evidence in StandardEvidenceFile.objects.filter(answer__in=answers).order_by(
        "uploaded_at", "pk"
    ):
        files.setdefault(evidence.answer_id, []).append(evidence)
    return [(answer, files.get(answer.pk, [])) for answer in answers]


def _attach_evidence(request, section11_return):
    answer_id = record_id(request.POST.get("answer"))
    answer = (
        section11_return.answers.select_related("standard").filter(pk=answer_id).first()
        if answer_id
        else None
    )
    if answer is None:
        messages.error(request, "Choose the standard the files are evidence for.")
        return
    form = StandardEvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        for error in form.errors.get("files", []) or ["Choose a file to attach."]:
            messages.error(request, error)
        return
    try:
        stored = services.attach_standard_evidence(answer, request.user, form.cleaned_data["files"])
    except services.ReturnLocked as locked:
        messages.error(request, str(locked))
        return
    messages.success(
        request,
        f"{len(stored)} file{'s' if len(stored) != 1 else ''} attached to standard "
        f"{answer.standard.number}.",
    )


def _answer_note(request, section11_return):
    note_id = record_id(request.POST.get("note_id"))
    note = section11_return.challenge_notes.filter(pk=note_id).first() if note_id else None
    if note is None:
        messages.error(request, "Choose the challenge panel's note you are answering.")
        return
    try:
        services.answer_challenge_note(note, request.user, request.POST.get("answer", ""))
    except ValueError as refused:
        messages.error(request, str(refused))
        return
    messages.success(request, "Your answer was recorded and the challenge panel has been told.")


@permissions.tracker_gate()
def section11_evidence_download(request, pk):
    """Section 11 evidence is private: served only to those who may see the agency's return."""
    evidence = get_object_or_404(
        StandardEvidenceFile.objects.select_related("answer__section11_return__cycle"), pk=pk
    )
    section11_return = evidence.answer.section11_return
    if not permissions.can_see_section11_return(
        request.user, section11_return.agency_id, section11_return.cycle.partnership_id
    ):
        raise PermissionDenied("This evidence belongs to another agency's return.")
    return serve_private_file(evidence.file, evidence.original_name, evidence.content_type)


@permissions.tracker_gate(
    permissions.can_see_dashboard, "The heatmap is for the business unit and the scrutineer."
)
def section11_heatmap(request, cycle_id):
    cycle = _cycle_or_404(request.user, cycle_id)
    if cycle.partnership_id not in permissions.tracker_partnership_ids(request.user):
        raise PermissionDenied("The heatmap is for the business unit and the scrutineer.")
    standards = list(cycle.standards.all())
    returns = list(Section11Return.objects.filter(cycle=cycle).select_related("agency"))
    answers = StandardAnswer.objects.filter(section11_return__cycle=cycle).only(
        "section11_return_id", "standard_id", "rating"
    )
    cells = {(answer.section11_return_id, answer.standard_id): answer for answer in answers}
    ratings = StandardAnswer.Rating.choices
    rows = [
        {
            "return": section11_return,
            "cells": [cells.get((section11_return.pk, standard.pk)) for standard in standards],
        }
        for section11_return in returns
    ]
    counted = {
        (row["standard_id"], row["rating"]): row["count"]
        for row in StandardAnswer.objects.filter(section11_return__cycle=cycle)
        .values("standard_id", "rating")
        .annotate(count=Count("pk"))
        .order_by()
    }
    per_standard = [
        {
            "standard": standard,
            "counts": [counted.get((standard.pk, value), 0) for value, _label in ratings],
            "unrated": counted.get((standard.pk, ""), 0),
        }
        for standard in standards
    ]
    per_rating = [
        (label, sum(counted.get((standard.pk, value), 0) for standard in standards))
        for value, label in ratings
    ]
    return render(
        request,
        "learning/section11_heatmap.html",
        {
            "cycle": cycle,
            "standards": standards,
            "rows": rows,
            "ratings": ratings,
            "per_standard": per_standard,
            "per_rating": per_rating,
            "unrated_total": sum(item["unrated"] for item in per_standard),
        },
    )
