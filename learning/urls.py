"""The tracker's pages under /tracker/. One list, grouped by part of the tracker."""

from django.urls import path

from .views import (
    actions,
    agencies,
    cascades,
    changelog,
    dashboard,
    events,
    exports,
    people,
    queues,
    returns,
    section11,
)

app_name = "learning"
urlpatterns = [
    # Work queues: each person's work comes to them
    path("", queues.tracker_start, name="tracker_start"),
    path("my-work/", queues.my_work, name="my_work"),
    path("business-unit/", queues.business_unit_queue, name="business_unit_queue"),
    path("assurance/", queues.assurance_queue, name="assurance_queue"),
    # People
    path("people/", people.people_index, name="people"),
    path("people/invite/", people.invite, name="invite"),
    path(
        "people/invitations/<id:pk>/withdraw/",
        people.withdraw_invitation,
        name="withdraw_invitation",
    ),
    path("people/<id:pk>/", people.person_detail, name="person"),
    # Agency actions and their history
    path("actions/", actions.my_actions, name="my_actions"),
    path("actions/<id:pk>/", actions.action_detail, name="action_detail"),
    path("actions/<id:pk>/extension/", actions.request_extension, name="request_extension"),
    path("actions/<id:pk>/assurance/", actions.assure, name="assure_action"),
    path("actions/<id:pk>/reply/", actions.reply_to_challenge, name="reply_to_challenge"),
    path("extensions/<id:pk>/decision/", actions.decide_extension, name="decide_extension"),
    path("evidence/<id:pk>/", actions.evidence_download, name="evidence_download"),
    # Agency returns by spreadsheet
    path("returns/template.xlsx", returns.xlsx_template, name="returns_template_xlsx"),
    path("returns/template.csv", returns.csv_template, name="returns_template_csv"),
    path("returns/upload/", returns.upload_return, name="returns_upload"),
    # 7-minute briefing cascades
    path("briefings/<id:page_id>/cascade/", cascades.confirm_cascade, name="cascade_confirm"),
    path("briefings/coverage/", cascades.cascade_coverage, name="cascade_coverage"),
    # Learning events and what each recommendation led to
    path("events/", events.event_index, name="event_index"),
    path("events/new/", events.event_edit, name="event_new"),
    path("events/<id:pk>/", events.event_detail, name="event_detail"),
    path("events/<id:pk>/edit/", events.event_edit, name="event_edit"),
    path("recommendations/", events.recommendation_reach, name="recommendation_reach"),
    # The change log
    path("changes/", changelog.change_log, name="changelog"),
    path("changes.csv", changelog.change_log_csv, name="changelog_csv"),
    # Dashboard, filtered lists and exports
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("list/", dashboard.tracker_list, name="tracker_list"),
    path("export.csv", exports.export_csv, name="export_csv"),
    path("export.xlsx", exports.export_xlsx, name="export_xlsx"),
    # Agency pages
    path("agencies/", agencies.agency_index, name="agency_index"),
    path("agencies/<slug:slug>/", agencies.agency_detail, name="agency_detail"),
    # Section 11
    path("section11/", section11.section11_index, name="section11_index"),
    path("section11/<id:cycle_id>/", section11.section11_cycle, name="section11_cycle"),
    path(
        "section11/<id:cycle_id>/standards/",
        section11.section11_standards,
        name="section11_standards",
    ),
    path(
        "section11/<id:cycle_id>/agencies/<slug:slug>/",
        section11.section11_return,
        name="section11_return",
    ),
    path(
        "section11/evidence/<id:pk>/",
        section11.section11_evidence_download,
        name="section11_evidence_download",
    ),
    path(
        "section11/<id:cycle_id>/heatmap/",
        section11.section11_heatmap,
        name="section11_heatmap",
    ),
]
