"""CSV and XLSX downloads of the filtered action list: the same filters, the same rows."""

from django.http import StreamingHttpResponse
from django.utils import timezone

from .. import permissions
from ..exports import stream_export
from ..filters import filtered_actions
from .dashboard import tracker_list

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _export(request, file_format):
    # Leads may export, but visible_actions inside filtered_actions keeps them to their agencies.
    today = timezone.localdate()
    form, actions = filtered_actions(request.user, request.GET, today)
    if form.refused:
        # The list's page, with the filters' problems: the same answer as the list gives.
        return tracker_list(request)
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
