"""Section 11 self-assessment: audit cycles, standards, agencies' returns and the challenge panel."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .actions import EvidenceStorage

SECTION11_STANDARDS = [
    ("1", "A clear line of accountability for safeguarding"),
    ("2", "A senior board-level lead"),
    ("3", "A culture of listening to children and taking account of their wishes"),
    ("4", "Clear whistleblowing procedures"),
    ("5", "Clear escalation policies for staff"),
    ("6", "Arrangements to share information"),
    ("7", "A designated practitioner (or practitioners) for child safeguarding"),
    ("8", "Safer recruitment and allegations management"),
    ("9", "Appropriate supervision and support, and safeguarding training"),
    ("10", "Safety, equality and protection from discrimination"),
]


class AuditCycle(models.Model):
    """One round of Section 11 self-assessment, usually every two years."""

    name = models.CharField(max_length=120)
    partnership = models.ForeignKey(
        "learning.Partnership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_cycles",
        help_text="The partnership whose Section 11 audit this is.",
    )
    opens_on = models.DateField()
    closes_on = models.DateField()
    is_open = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-opens_on"]
        constraints = [
            # Each partnership names its own cycles; two boards may both run "Section 11 audit 2026".
            models.UniqueConstraint(
                fields=["partnership", "name"], name="one_cycle_name_per_partnership"
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # A cycle always belongs to a partnership, or its gap actions would be no one's.
        if self.partnership_id is None:
            from .partnerships import Partnership

            self.partnership = Partnership.objects.default()
        super().save(*args, **kwargs)


class Standard(models.Model):
    """A standard in force for one cycle (seeded with the ten of statutory guidance, editable)."""

    cycle = models.ForeignKey(AuditCycle, on_delete=models.CASCADE, related_name="standards")
    number = models.CharField(max_length=8)
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    # Moves on at every save: the standards form refuses a save from an older opening.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cycle", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "number"], name="one_standard_number_per_cycle"
            )
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"


class Section11Return(models.Model):
    """One agency's self-assessment for one cycle. Submitting locks it."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    agency = models.ForeignKey(
        "learning.Agency", on_delete=models.PROTECT, related_name="section11_returns"
    )
    cycle = models.ForeignKey(AuditCycle, on_delete=models.PROTECT, related_name="returns")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    carried_forward_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["cycle", "agency__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "cycle"], name="one_return_per_agency_per_cycle"
            )
        ]

    def __str__(self):
        return f"{self.agency} – {self.cycle}"

    @property
    def is_locked(self):
        return self.status == self.Status.SUBMITTED


class StandardAnswer(models.Model):
    """An agency's rating, narrative and evidence against one standard."""

    class Rating(models.TextChoices):
        MET = "met", "Met"
        PARTLY_MET = "partly_met", "Partly met"
        NOT_MET = "not_met", "Not met"

    section11_return = models.ForeignKey(
        Section11Return, on_delete=models.CASCADE, related_name="answers"
    )
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="answers")
    rating = models.CharField(max_length=12, choices=Rating.choices, blank=True)
    narrative = models.TextField(blank=True)
    evidence = models.TextField(blank=True, help_text="What shows it: documents, audits, data.")

    class Meta:
        ordering = ["standard__sort_order", "standard__pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["section11_return", "standard"], name="one_answer_per_standard_per_return"
            )
        ]

    def __str__(self):
        return f"{self.section11_return}: {self.standard.number}"

    @property
    def is_gap(self):
        return self.rating in (self.Rating.PARTLY_MET, self.Rating.NOT_MET)


class ChallengeNote(models.Model):
    """The challenge panel's questions and notes against a return (append-only)."""

    section11_return = models.ForeignKey(
        Section11Return, on_delete=models.CASCADE, related_name="challenge_notes"
    )
    standard = models.ForeignKey(
        Standard, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    note = models.TextField()
    reply_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replies",
        help_text="The panel's note this is the agency's answer to.",
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Challenge on {self.section11_return}"

    @property
    def is_reply(self):
        return self.reply_to_id is not None


class StandardEvidenceFile(models.Model):
    """A file an agency attaches to one standard of its return: checked and private, as action
    evidence is, and served only after the same kind of permission check."""

    answer = models.ForeignKey(StandardAnswer, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to="section11/%Y/%m/", storage=EvidenceStorage())
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("learning:section11_evidence_download", args=[self.pk])
