"""Agency returns: download a template of open actions (XLSX or CSV), upload it filled in."""

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .. import permissions
from ..models import Agency
from ..returns import (
    MAX_RETURN_BYTES,
    RETURN_FORMATS,
    ReturnFileError,
    apply_return,
    template_actions,
    template_csv,
    template_xlsx,
)

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ReturnUploadForm(forms.Form):
    file = forms.FileField(
        label="Filled-in return",
        help_text="The template you downloaded, as .xlsx or .csv, up to 2 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(RETURN_FORMATS)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_RETURN_BYTES:
            raise forms.ValidationError("The file is larger than 2 MB.")
        return upload


returns_gate = permissions.tracker_gate(
    permissions.can_submit_returns, "Returns are for agency leads and the business unit."
)


def _template(request, file_format):
    agency = None
    slug = request.GET.get("agency")
    if slug:
        agency = permissions.visible_agencies(
            request.user, Agency.objects.filter(slug=slug)
        ).first()
        if agency is None:
            raise Http404("No agency of yours has that name.")
    actions = template_actions(request.user, agency)
    body = template_xlsx(actions, request.user) if file_format == "xlsx" else template_csv(actions)
    today = timezone.localdate().isoformat()
    name = f"return-{agency.slug if agency else 'actions'}-{today}.{file_format}"
    response = HttpResponse(body, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@returns_gate
def xlsx_template(request):
    return _template(request, "xlsx")


@returns_gate
def csv_template(request):
    return _template(request, "csv")


@returns_gate
def upload_return(request):
    form = ReturnUploadForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = apply_return(request.user, upload.name, upload.read())
        except ReturnFileError as error:
            form.add_error("file", str(error))
        if result is not None and not result.ok:
            status = 400
    if request.method == "POST" and not form.is_valid():
        status = 400
    agencies = permissions.visible_agencies(request.user).filter(
        pk__in=template_actions(request.user).values("agency")
    )
    return render(
        request,
        "learning/returns_upload.html",
        {"form": form, "result": result, "agencies": agencies},
        status=status,
    )
