"""The admin's "Import a case log": upload the old log, see every problem by row and column, or
see what was imported. All rows apply or none."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from learning import permissions

from .case_import import CaseLogError, import_case_log
from .forms import CaseLogUploadForm


def import_case_log_view(request):
    if not permissions.can_edit_case_log(request.user):
        raise PermissionDenied
    form = CaseLogUploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_case_log(
                upload.name,
                upload.read(),
                permissions.case_log_partnerships(request.user),
                by=request.user,
            )
        except CaseLogError as error:
            form.add_error("file", str(error))
        else:
            if result.ok:
                messages.success(
                    request,
                    f"Imported {len(result.created)} new case(s) and updated "
                    f"{len(result.updated)} ({len(result.unchanged)} unchanged).",
                )
                return redirect("case_log_import")
            problems = result.problems
    return render(request, "reviews/case_log_import.html", {"form": form, "problems": problems})
