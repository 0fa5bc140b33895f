"""The change log: who created, changed or deleted a recommendation, agency, theme, action or
Section 11 return, and which fields went from what to what."""

import contextlib
import contextvars
import datetime
import decimal
import uuid

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

# The request being served (or an explicit actor) so that model signals know who acted. The
# request itself is kept, not its user, because the API authenticates inside the view.
_current_request = contextvars.ContextVar("learning_audit_request", default=None)
_current_actor = contextvars.ContextVar("learning_audit_actor", default=None)

AUDITED_MODELS = [
    "Recommendation",
    "Agency",
    "Theme",
    "AgencyAction",
    "Section11Return",
    "StandardAnswer",
    "AgencyMembership",
]
# Many-to-many fields whose changes are logged too: who a recommendation is addressed to matters.
AUDITED_RELATIONS = [("Recommendation", "agencies"), ("Recommendation", "themes")]
# Bookkeeping fields that change on every save and say nothing about what was decided.
IGNORED_FIELDS = {"updated_at", "version"}


class ActingUserMiddleware:
    """Remembers the request for the change log while it is served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


@contextlib.contextmanager
def acting_as(user):
    """Attribute changes made outside a request (commands, tasks, services) to `user`."""
    token = _current_actor.set(user)
    try:
        yield
    finally:
        _current_actor.reset(token)


def current_actor():
    actor = _current_actor.get()
    if actor is not None:
        return actor
    request = _current_request.get()
    user = getattr(request, "user", None) if request is not None else None
    if user is not None and user.is_authenticated:
        return user
    return None


def warn_current_request(text):
    """Show `text` as a warning to the person whose request is being served, if there is one (an
    approval in the admin); outside a request nothing is shown and the emails carry the news."""
    from django.contrib import messages

    request = _current_request.get()
    if request is not None and hasattr(request, "_messages"):
        messages.warning(request, text)


def plain_value(value):
    """A field value as JSON can store it."""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def _field_values(instance):
    return {
        field.attname: plain_value(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.attname not in IGNORED_FIELDS
    }


def record(instance, operation, changes=None, actor=None):
    """Write one change-log entry for `instance`."""
    from .models import ChangeLog

    return ChangeLog.objects.create(
        actor=actor or current_actor(),
        operation=operation,
        object_type=type(instance).__name__,
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        changes=changes or {},
    )


def diff(before, after):
    """{field: [old, new]} for each field whose value differs."""
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


def record_update(instance, before, after, actor=None):
    """Log a change made with a queryset update(), which model signals never see."""
    from .models import ChangeLog

    changes = diff(
        {name: plain_value(value) for name, value in before.items()},
        {name: plain_value(value) for name, value in after.items()},
    )
    if changes:
        return record(instance, ChangeLog.Operation.UPDATE, changes, actor=actor)
    return None


def _remember_old_values(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None or instance._state.adding:
        instance._audit_before = None
        return
    old = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = _field_values(old) if old is not None else None


def _log_save(sender, instance, created, raw=False, **kwargs):
    from .models import ChangeLog

    if raw:
        return
    after = _field_values(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        changes = {name: [None, value] for name, value in after.items() if value not in (None, "")}
        record(instance, ChangeLog.Operation.CREATE, changes)
        return
    changes = diff(before, after)
    if changes:
        record(instance, ChangeLog.Operation.UPDATE, changes)


def _log_delete(sender, instance, **kwargs):
    from .models import ChangeLog

    record(instance, ChangeLog.Operation.DELETE, {})


def _related_names(field, instance):
    through = field.remote_field.through
    target = field.m2m_reverse_field_name()
    linked = through.objects.filter(**{field.m2m_field_name(): instance.pk}).select_related(target)
    return sorted(str(getattr(link, target)) for link in linked)


def _log_relation(field):
    def receiver(sender, instance, action, reverse=False, **kwargs):
        from .models import ChangeLog

        # Changes made from the other side (e.g. deleting an agency) are logged on that record.
        if reverse or not isinstance(instance, field.model):
            return
        memo = instance.__dict__.setdefault("_audit_relations_before", {})
        if action in ("pre_add", "pre_remove", "pre_clear"):
            memo[field.name] = _related_names(field, instance)
        elif action in ("post_add", "post_remove", "post_clear"):
            before = memo.pop(field.name, None)
            after = _related_names(field, instance)
            if before is not None and before != after:
                record(instance, ChangeLog.Operation.UPDATE, {field.name: [before, after]})

    return receiver


def connect():
    from django.apps import apps

    for name in AUDITED_MODELS:
        model = apps.get_model("learning", name)
        uid = f"learning-audit-{name}"
        pre_save.connect(_remember_old_values, sender=model, dispatch_uid=f"{uid}-pre")
        post_save.connect(_log_save, sender=model, dispatch_uid=f"{uid}-post")
        post_delete.connect(_log_delete, sender=model, dispatch_uid=f"{uid}-delete")
    for model_name, field_name in AUDITED_RELATIONS:
        field = apps.get_model("learning", model_name)._meta.get_field(field_name)
        m2m_changed.connect(
            _log_relation(field),
            sender=field.remote_field.through,
            weak=False,  # the receiver is a closure nothing else holds on to
            dispatch_uid=f"learning-audit-{model_name}-{field_name}",
        )
