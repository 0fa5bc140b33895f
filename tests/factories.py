"""Factories for every model, built on factory_boy and wagtail-factories."""

import datetime

import factory
import wagtail_factories
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.text import slugify

from home.models import PartnershipPage
from learning import permissions
from learning.models import (
    Agency,
    AgencyAction,
    AgencyMembership,
    ApiToken,
    Assurance,
    AuditCycle,
    BriefingCascade,
    ChallengeNote,
    ChangeLog,
    EventAttendance,
    EvidenceFile,
    ExtensionRequest,
    Invitation,
    LearningEvent,
    Partnership,
    PartnershipMembership,
    ProgressUpdate,
    Recommendation,
    RecurrenceDismissal,
    RecurrenceLink,
    ReminderLog,
    Section11Return,
    Standard,
    StandardAnswer,
    StandardEvidenceFile,
    Theme,
)
from reviews.models import (
    BriefingIndexPage,
    BriefingPage,
    Case,
    InformationRequest,
    InformationRequestReminder,
    PartnershipApprovalTask,
    PartnerSignOff,
    ReferralReason,
    ReviewDocument,
    ReviewImport,
    ReviewIndexPage,
    ReviewPage,
)
from search.models import (
    AlertItemSent,
    LearningAlert,
    ReportPassage,
    ReportText,
    VocabularyGroup,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "password")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        self.save()


def default_partnership():
    """The first partnership (made by migrate from the partnership settings): where content and
    roles go unless a test names another."""
    return Partnership.objects.default()


class PartnershipFactory(factory.django.DjangoModelFactory):
    """A further partnership of the business unit, with its own section of the site (a page
    under the home page holding its reviews and briefings listings)."""

    class Meta:
        model = Partnership
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Safeguarding Adults Board {n}")
    slug = factory.LazyAttribute(lambda p: slugify(p.name))
    framework = Partnership.Framework.ADULTS
    sort_order = factory.Sequence(lambda n: n + 1)
    section = factory.LazyAttribute(lambda p: _section_page(p.name, slugify(p.name)))


def _section_page(title, slug):
    from wagtail.models import Page

    home = _home()
    existing = Page.objects.child_of(home).filter(slug=slug).first()
    return existing or PartnershipPageFactory(title=title, slug=slug, parent=home)


def review_index_of(partnership):
    """The partnership's reviews listing (the first partnership's is the site's own)."""
    return _index_under(partnership, ReviewIndexPage, "Reviews", "reviews")


def briefing_index_of(partnership):
    return _index_under(partnership, BriefingIndexPage, "7-minute briefings", "briefings")


def _index_under(partnership, model, title, slug):
    if partnership.section is None or partnership == default_partnership():
        return _index(model, title, slug)
    existing = model.objects.child_of(partnership.section).first()
    return existing or partnership.section.add_child(instance=model(title=title, slug=slug))


class PartnershipMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnershipMembership
        django_get_or_create = ("user", "partnership", "role")

    user = factory.SubFactory(UserFactory)
    partnership = factory.LazyFunction(default_partnership)
    role = permissions.PRACTITIONERS


def member_of(partnership, role, username=None, agencies=()):
    """A person holding `role` in `partnership` only (and leading for `agencies`)."""
    user = UserFactory(username=username) if username else UserFactory()
    PartnershipMembershipFactory(user=user, partnership=partnership, role=role)
    for agency in agencies:
        AgencyMembership.objects.get_or_create(user=user, agency=agency)
    return user


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Theme {n}")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("short_name",)

    name = factory.Sequence(lambda n: f"Agency {n}")
    short_name = factory.Sequence(lambda n: f"AG{n}")
    sector = Agency.Sector.OTHER


def agency_lead(agency, username=None):
    user = UserFactory(
        username=username or f"lead-{agency.short_name.lower()}", role=permissions.AGENCY_LEADS
    )
    AgencyMembership.objects.get_or_create(user=user, agency=agency)
    return user


def _index(model, title, slug):
    existing = model.objects.first()
    if existing:
        return existing
    from home.models import HomePage

    home = HomePage.objects.get()
    return home.add_child(instance=model(title=title, slug=slug))


def _home():
    from home.models import HomePage

    return HomePage.objects.get()


class PartnershipPageFactory(wagtail_factories.PageFactory):
    """A partnership's section of the site, under the home page."""

    class Meta:
        model = PartnershipPage

    title = factory.Sequence(lambda n: f"Partnership {n}")
    slug = factory.Sequence(lambda n: f"partnership-{n}")
    parent = factory.LazyFunction(_home)


class ReviewPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = ReviewPage

    title = factory.Sequence(lambda n: f"Review {n}")
    slug = factory.Sequence(lambda n: f"review-{n}")
    kind = ReviewPage.Kind.LCSPR
    visibility = "public"
    summary = "A review of practice."
    parent = factory.LazyFunction(lambda: _index(ReviewIndexPage, "Reviews", "reviews"))


class BriefingPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = BriefingPage

    title = factory.Sequence(lambda n: f"Briefing {n}")
    slug = factory.Sequence(lambda n: f"briefing-{n}")
    visibility = "public"
    summary = "What practitioners should know."
    background = "What happened."
    why_it_matters = "Why it matters."
    information = "Key findings."
    learning = "What the review found."
    questions = "What would you do?"
    what_to_do = "Act on it."
    further_information = "Procedures."
    parent = factory.LazyFunction(
        lambda: _index(BriefingIndexPage, "7-minute briefings", "briefings")
    )


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    review = factory.SubFactory(ReviewPageFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    text = "Agencies should share information about risk at the point of referral."
    sort_order = factory.Sequence(lambda n: n)


class AgencyActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyAction

    recommendation = factory.SubFactory(RecommendationFactory)
    agency = factory.SubFactory(AgencyFactory)
    description = "Review the referral procedure and train staff."
    lead_officer = "Designated safeguarding lead"
    original_due_date = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=60)
    )
    current_due_date = factory.LazyAttribute(lambda a: a.original_due_date)


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    action = factory.SubFactory(AgencyActionFactory)
    author = factory.SubFactory(UserFactory)
    note = "Training planned."
    status = AgencyAction.Status.IN_PROGRESS
    rag = AgencyAction.RAG.GREEN
    due_date = factory.LazyAttribute(lambda u: u.action.current_due_date)


class ExtensionRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExtensionRequest

    action = factory.SubFactory(AgencyActionFactory)
    requested_by = factory.SubFactory(UserFactory)
    new_due_date = factory.LazyAttribute(
        lambda e: e.action.current_due_date + datetime.timedelta(days=30)
    )
    reason = "Training dates moved."


class AssuranceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assurance

    action = factory.SubFactory(AgencyActionFactory)
    decision = Assurance.Decision.ASSURED
    by = factory.SubFactory(UserFactory)
    note = "Evidence of impact seen in audit."


class AgencyMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyMembership

    user = factory.SubFactory(UserFactory, role=permissions.AGENCY_LEADS)
    agency = factory.SubFactory(AgencyFactory)


class EvidenceFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidenceFile

    update = factory.SubFactory(ProgressUpdateFactory)
    file = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4 evidence", name="audit.pdf"))
    original_name = "audit.pdf"
    content_type = "application/pdf"
    size = 17


class ReviewDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewDocument

    page = factory.SubFactory(ReviewPageFactory)
    document = factory.SubFactory(
        wagtail_factories.DocumentFactory,
        file__data=b"%PDF-1.4 overview report",
        file__filename="overview-report.pdf",
    )
    title = "Overview report"


class AuditCycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditCycle

    name = factory.Sequence(lambda n: f"Section 11 audit {2026 + n}")
    partnership = factory.LazyFunction(default_partnership)
    opens_on = datetime.date(2026, 4, 1)
    closes_on = datetime.date(2027, 3, 31)


class StandardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Standard

    cycle = factory.SubFactory(AuditCycleFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    title = "A clear line of accountability for safeguarding"
    sort_order = factory.Sequence(lambda n: n)


class Section11ReturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section11Return

    agency = factory.SubFactory(AgencyFactory)
    cycle = factory.SubFactory(AuditCycleFactory)


class StandardAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StandardAnswer

    section11_return = factory.SubFactory(Section11ReturnFactory)
    standard = factory.SubFactory(
        StandardFactory, cycle=factory.SelfAttribute("..section11_return.cycle")
    )
    rating = StandardAnswer.Rating.PARTLY_MET
    narrative = "Escalation policy in place; not yet audited."
    evidence = "Escalation policy 2026"


class ChallengeNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChallengeNote

    section11_return = factory.SubFactory(Section11ReturnFactory)
    author = factory.SubFactory(UserFactory, role=permissions.SCRUTINEERS)
    note = "What shows staff know the escalation policy?"


class ChangeLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChangeLog

    actor = factory.SubFactory(UserFactory)
    operation = ChangeLog.Operation.UPDATE
    object_type = "agencyaction"
    object_id = "1"
    object_repr = "Police: review the referral procedure"
    changes = factory.LazyFunction(lambda: {"status": ["not_started", "in_progress"]})


class BriefingCascadeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BriefingCascade

    briefing = factory.SubFactory(BriefingPageFactory)
    agency = factory.SubFactory(AgencyFactory)
    confirmed_by = factory.SubFactory(UserFactory)
    cascaded_on = factory.LazyFunction(timezone.localdate)
    teams_reached = 4
    staff_reached = 38


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"new-person{n}@example.org")
    partnership = factory.LazyFunction(default_partnership)
    role = Invitation.Role.PRACTITIONER
    invited_by = factory.SubFactory(UserFactory, role=permissions.BUSINESS_MANAGERS)
    token_digest = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory, role=permissions.AGENCY_LEADS)
    name = "Performance spreadsheet"


class StandardEvidenceFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StandardEvidenceFile

    answer = factory.SubFactory(StandardAnswerFactory)
    file = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4 policy", name="policy.pdf"))
    original_name = "policy.pdf"
    content_type = "application/pdf"
    size = 15
    uploaded_by = factory.SubFactory(UserFactory)


class LearningEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningEvent

    title = factory.Sequence(lambda n: f"Learning from Child {n}: practice seminar")
    partnership = factory.LazyFunction(default_partnership)
    kind = LearningEvent.Kind.SEMINAR
    held_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    immediate_evaluation = "Most attendees rated it useful."


class EventAttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventAttendance

    event = factory.SubFactory(LearningEventFactory)
    agency = factory.SubFactory(AgencyFactory)
    attendees = 12


class RecurrenceLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecurrenceLink

    earlier = factory.SubFactory(RecommendationFactory)
    later = factory.SubFactory(RecommendationFactory)
    linked_by = factory.SubFactory(UserFactory, role=permissions.BUSINESS_UNIT)


class RecurrenceDismissalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecurrenceDismissal

    recommendation = factory.SubFactory(RecommendationFactory)
    suggestion = factory.SubFactory(RecommendationFactory)
    dismissed_by = factory.SubFactory(UserFactory, role=permissions.BUSINESS_UNIT)


class ReminderLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderLog

    kind = "overdue"
    action = factory.SubFactory(AgencyActionFactory)
    period = "2026-W48"
    recipient = "police-lead@example.org"


class ReferralReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReferralReason
        django_get_or_create = ("name",)

    name = "Neglect"


class CaseFactory(factory.django.DjangoModelFactory):
    """A serious incident referred to the partnership; stages are added by passing their dates."""

    class Meta:
        model = Case
        django_get_or_create = ("reference",)

    reference = factory.Sequence(lambda n: f"SI-{n:04d}")
    child_pseudonym = factory.Sequence(lambda n: f"Child {chr(65 + n % 26)}")
    referred_on = datetime.date(2019, 6, 3)
    referral_reason = factory.SubFactory(ReferralReasonFactory)


class PartnerSignOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerSignOff

    case = factory.SubFactory(CaseFactory, notified_on=datetime.date(2019, 6, 5))
    partner = PartnerSignOff.Partner.POLICE
    signed_by = "Detective Superintendent"
    signed_on = datetime.date(2019, 6, 20)


class InformationRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InformationRequest

    case = factory.SubFactory(CaseFactory, notified_on=datetime.date(2019, 6, 5))
    agency = factory.SubFactory(AgencyFactory)
    asked = "A chronology of contact with the family since 2018 and a summary."
    requested_on = datetime.date(2019, 6, 6)


class InformationRequestReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InformationRequestReminder

    request = factory.SubFactory(InformationRequestFactory)
    kind = "overdue"
    period = "2026-W48"
    recipient = "police-lead@example.org"


class IndexBacklogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "learning_search.IndexBacklog"
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"recommendation:{n + 1}")


class RecurrenceBacklogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "learning_search.RecurrenceBacklog"
        django_get_or_create = ("recommendation_id",)

    recommendation_id = factory.Sequence(lambda n: n + 1)


class ReviewImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewImport

    owner = factory.SubFactory(UserFactory, role=permissions.BUSINESS_UNIT)
    file_name = "lcspr-child-j.docx"
    kind = ReviewPage.Kind.LCSPR


class VocabularyGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VocabularyGroup

    terms = "child in need, cin, section 17"
    note = "Children Act 1989, section 17."


class ReportTextFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportText

    document = factory.SubFactory(
        wagtail_factories.DocumentFactory,
        file__data=b"The overview report.",
        file__filename="overview-report.txt",
    )
    status = ReportText.Status.EXTRACTED
    pages = 1


class ReportPassageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportPassage

    report = factory.SubFactory(ReportTextFactory)
    page_number = 1
    text = "The overview report."


class LearningAlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningAlert

    user = factory.SubFactory(UserFactory)
    query = "neglect"
    frequency = LearningAlert.Frequency.WEEKLY


class AlertItemSentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertItemSent

    alert = factory.SubFactory(LearningAlertFactory)
    document_key = factory.Sequence(lambda n: f"review:{n + 1}")


class PartnershipApprovalTaskFactory(factory.django.DjangoModelFactory):
    """A partnership's approval step (the workflow's own is made by migrate)."""

    class Meta:
        model = PartnershipApprovalTask
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Approval {n}")
