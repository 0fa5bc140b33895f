"""Every model of the hub has a factory that builds a valid, saved row."""

import inspect

import pytest
from django.apps import apps

from . import factories

# Rows the hub derives or keeps one of, never made by hand: search documents are built from the
# pages they describe; the settings are singletons loaded with `.load()` / `.for_site()`; the one
# home page and its two listings are created by the site set-up after every migrate.
DERIVED_OR_SINGLETON = {
    "SearchDocument",
    "SearchDocumentTag",
    "RecurrenceNeighbour",
    "TrackerSettings",
    "PartnershipSettings",
    "HomePage",
    "ReviewIndexPage",
    "BriefingIndexPage",
}


def _factories():
    return {
        obj._meta.model: obj
        for _, obj in inspect.getmembers(factories, inspect.isclass)
        if issubclass(obj, factories.factory.django.DjangoModelFactory)
        and obj._meta.model is not None
    }


def test_every_model_of_the_hub_has_a_factory():
    models = {
        model
        for label in ("learning", "reviews", "home", "learning_search")
        for model in apps.get_app_config(label).get_models()
        if model.__name__ not in DERIVED_OR_SINGLETON
    }
    missing = sorted(model.__name__ for model in models - set(_factories()))
    assert missing == []


@pytest.mark.django_db
@pytest.mark.parametrize("factory_class", list(_factories().values()), ids=lambda f: f.__name__)
def test_each_factory_builds_a_valid_saved_row(factory_class):
    row = factory_class()
    assert row.pk is not None
    row.full_clean(exclude=["path", "depth", "url_path"] if hasattr(row, "path") else None)
    assert str(row)
