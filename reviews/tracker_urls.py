"""The case log's pages, in the tracker's URL space (/tracker/)."""

from django.urls import path

from . import case_views

urlpatterns = [
    path("cases/", case_views.case_list, name="case_list"),
    path("cases/<id:pk>/", case_views.case_detail, name="case_detail"),
    path("cases/export.<str:format>", case_views.case_log_export, name="case_log_export"),
    path("cases/<id:pk>/review/", case_views.create_review_draft, name="case_review_draft"),
    path("information-requests/", case_views.information_requests, name="information_requests"),
    path(
        "information-requests/<id:pk>/return/",
        case_views.return_request,
        name="information_request_return",
    ),
    path(
        "information-requests/<id:pk>/file/",
        case_views.information_request_file,
        name="information_request_file",
    ),
    path("yearly-report/", case_views.yearly_report_page, name="yearly_report"),
    path("yearly-report/records/", case_views.yearly_report_records, name="yearly_report_records"),
    path(
        "yearly-report/report.<str:format>",
        case_views.yearly_report_export,
        name="yearly_report_export",
    ),
]
