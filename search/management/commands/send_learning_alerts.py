"""Send the learning alerts that are due now (the Celery beat entries run the same task)."""

from django.core.management.base import BaseCommand

from search.models import LearningAlert


class Command(BaseCommand):
    help = "Email new learning that matches users' saved searches and followed themes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--frequency",
            choices=[value for value, _ in LearningAlert.Frequency.choices],
            help="Only alerts of this frequency (default: every due alert).",
        )

    def handle(self, *args, **options):
        from search.alerts import send_learning_alerts

        sent = send_learning_alerts(options["frequency"])
        self.stdout.write(f"{sent} alert email{'s' if sent != 1 else ''} sent.")
