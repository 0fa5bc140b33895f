"""After every migrate: the business unit may keep the case log in the editor. Idempotent."""

from django.contrib.auth.models import Group, Permission

from learning import permissions

CASE_LOG_MODELS = ["case", "referralreason", "partnersignoff", "informationrequest"]


def ensure_case_log_permissions(sender=None, **kwargs):
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    create_permissions(apps.get_app_config("reviews"), verbosity=0)
    case_log = Permission.objects.filter(
        content_type__app_label="reviews", content_type__model__in=CASE_LOG_MODELS
    )
    # Officers keep the log; deleting a case is for the business manager.
    officers, _ = Group.objects.get_or_create(name=permissions.BUSINESS_UNIT)
    officers.permissions.add(*case_log.exclude(codename__startswith="delete_"))
    for name in (permissions.BUSINESS_MANAGERS, permissions.ADMINISTRATORS):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*case_log)
