"""Signal receivers of the learning app: the change log."""

from . import audit

audit.connect()


def _keep_groups_with_memberships(sender, instance, **kwargs):
    from .models import sync_role_groups

    sync_role_groups(instance.user)


def _role_groups_given_directly(sender, instance, action, pk_set, **kwargs):
    """A role group given or taken away outside the people pages (Wagtail's user editor, a
    command) is a role in the first partnership, so groups and memberships never disagree."""
    from django.contrib.auth.models import Group

    from .models import Partnership, PartnershipMembership
    from .roles import ROLE_GROUPS

    if kwargs.get("reverse") or action not in ("post_add", "post_remove", "post_clear"):
        return
    for cached in ("_partnership_roles", "_partnership_slugs", "_role_group_names"):
        instance.__dict__.pop(cached, None)
    memberships = PartnershipMembership.objects.filter(user=instance)
    if action == "post_clear":
        memberships.delete()
        return
    roles = set(
        Group.objects.filter(pk__in=pk_set, name__in=ROLE_GROUPS).values_list("name", flat=True)
    )
    if not roles:
        return
    if action == "post_remove":
        memberships.filter(role__in=roles).delete()
        return
    held = set(memberships.values_list("role", flat=True))
    default = Partnership.objects.default()
    if default is None:
        return
    PartnershipMembership.objects.bulk_create(
        [PartnershipMembership(user=instance, partnership=default, role=r) for r in roles - held],
        ignore_conflicts=True,
    )
    for cached in ("_partnership_roles", "_partnership_slugs", "_role_group_names"):
        instance.__dict__.pop(cached, None)


def connect_partnership_memberships():
    from django.contrib.auth import get_user_model
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from .models import PartnershipMembership

    post_save.connect(
        _keep_groups_with_memberships,
        sender=PartnershipMembership,
        dispatch_uid="membership-groups",
    )
    post_delete.connect(
        _keep_groups_with_memberships,
        sender=PartnershipMembership,
        dispatch_uid="membership-groups-deleted",
    )
    m2m_changed.connect(
        _role_groups_given_directly,
        sender=get_user_model().groups.through,
        dispatch_uid="role-groups-given-directly",
    )


connect_partnership_memberships()
