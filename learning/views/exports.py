"""CSV and XLSX downloads of the filtered action list: the same filters, the same rows."""

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from .. import permissions
from ..exports import stream_export
from ..filters import filtered_actions

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _export(request, file_format):
    # Leads may export, but visible_actions inside filtered_actions keeps them to their agencies.
    today = timezone.localdate()
    form, actions = filtered_actions(request.user, request.GET, today)
    if form.is_bound and not form.is_valid():
        messages = "; ".join(
            f"{name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
            for name, errors in form.errors.items()
        )
        return HttpResponse(
            f"The filters could not be used: {messages}",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    response = StreamingHttpResponse(
        stream_export(actions, file_format, today), content_type=FORMATS[file_format]
    )
    response["Content-Disposition"] = (
        f'attachment; filename="actions-{today.isoformat()}.{file_format}"'
    )
    return response


@permissions.tracker_gate()
def export_csv(request):
    return _export(request, "csv")


@permissions.tracker_gate()
def export_xlsx(request):
    return _export(request, "xlsx")
