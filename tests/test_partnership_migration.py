"""The hub of one children's partnership becomes the first partnership of the business unit with
nothing lost: its reviews, briefings, cases, Section 11 cycles, learning events, the invitations
waiting to be accepted and the people in each role all belong to it after the migration
(home/migrations/0002_first_partnership.py, learning/migrations/0017_invitation_names_its_partnership.py)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from wagtail.models import Task

from learning import permissions
from learning.models import Invitation, Partnership, PartnershipMembership
from reviews.models import PartnershipApprovalTask
from search.models import SearchDocument

from .factories import (
    AuditCycleFactory,
    BriefingPageFactory,
    CaseFactory,
    LearningEventFactory,
    ReviewPageFactory,
    UserFactory,
)

# Tables are dropped and made again: the test runs outside a transaction and puts the suite's
# starting data back afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [
    ("home", "0001_initial"),
    ("learning", "0014_recommendation_agreed_action"),
    ("reviews", "0004_case_reference_unique_whatever_its_case"),
]


def _migrate(targets=None):
    """Migrate to `targets`, or forward to the latest migrations of every app."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_what_exists_today_becomes_the_first_partnership_with_nothing_lost():
    review = ReviewPageFactory(title="Child J", visibility="partnership")
    briefing = BriefingPageFactory(title="Learning from Child J")
    case = CaseFactory(reference="SI-2019-07")
    cycle = AuditCycleFactory(name="Section 11 audit 2025")
    event = LearningEventFactory(title="Child J seminar", held_on=datetime.date(2025, 3, 4))
    lead = UserFactory(username="police-lead", role=permissions.AGENCY_LEADS)
    manager = UserFactory(username="business-manager", role=permissions.BUSINESS_MANAGERS)
    visitor = UserFactory(username="no-role")

    old = _migrate(BEFORE)
    # In the old schema: the partnership's name in its settings, a second role given there.
    Group = old.get_model("auth", "Group")
    old.get_model("auth", "User").objects.get(pk=manager.pk).groups.add(
        Group.objects.get(name=permissions.BUSINESS_UNIT)
    )
    Settings = old.get_model("home", "PartnershipSettings")
    Site = old.get_model("wagtailcore", "Site")
    site = Site.objects.get(is_default_site=True)
    Settings.objects.update_or_create(
        site=site, defaults={"partnership_name": "Kirklees Safeguarding Children Partnership"}
    )
    assert "partnership" not in {f.name for f in old.get_model("reviews", "Case")._meta.fields}
    # An invitation waiting to be accepted, made before invitations named a partnership.
    invitation = old.get_model("learning", "Invitation").objects.create(
        email="new-officer@example.org",
        role="business_unit",
        token_digest="0" * 64,
        expires_at=datetime.datetime(2026, 12, 14, tzinfo=datetime.UTC),
    )

    _migrate()

    first = Partnership.objects.get()
    assert first.name == "Kirklees Safeguarding Children Partnership"
    assert first.slug == "kirklees-safeguarding-children-partnership"
    assert first.framework == Partnership.Framework.CHILDREN
    assert first.section_id == site.root_page_id
    for model, pk in [
        (type(review), review.pk),
        (type(briefing), briefing.pk),
        (type(case), case.pk),
        (type(cycle), cycle.pk),
        (type(event), event.pk),
        (Invitation, invitation.pk),
    ]:
        assert model.objects.get(pk=pk).partnership_id == first.pk, model.__name__
    roles = set(
        PartnershipMembership.objects.filter(partnership=first).values_list(
            "user__username", "role"
        )
    )
    assert ("police-lead", permissions.AGENCY_LEADS) in roles
    assert ("business-manager", permissions.BUSINESS_MANAGERS) in roles
    assert ("business-manager", permissions.BUSINESS_UNIT) in roles
    assert not PartnershipMembership.objects.filter(user=visitor).exists()
    # Nothing lost: the review is as it was, and its partnership's people may still open it.
    review = type(review).objects.get(pk=review.pk)
    assert review.title == "Child J" and review.visibility == "partnership"
    lead.refresh_from_db()
    assert permissions.visible_partnership_ids(lead) == {first.pk}
    # Search documents already made name the partnership, and approval is the partnership's.
    documents = SearchDocument.objects.filter(page_id__in=[review.pk, briefing.pk])
    assert documents.exists()
    assert set(documents.values_list("partnership", flat=True)) == {first.slug}
    approval = Task.objects.get(name="Business manager approval").specific
    assert isinstance(approval, PartnershipApprovalTask)
