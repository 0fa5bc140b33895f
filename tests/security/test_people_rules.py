"""What the business manager may not do to people: deactivate the superuser, or lead for
agencies of their own choosing; and a token revoked by deactivation stays revoked."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token

from learning.models import AgencyMembership
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def messages_after(response, client):
    return client.get(response["Location"]).content.decode()


def test_the_business_manager_cannot_deactivate_the_superuser(business_manager):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.org", "pw")
    client = client_for(business_manager)
    response = client.post(f"/tracker/people/{admin.pk}/", {"action": "deactivate"})
    assert "Only an administrator can change an administrator’s account." in messages_after(
        response, client
    )
    admin.refresh_from_db()
    assert admin.is_active


def test_the_business_manager_cannot_give_themselves_agency_memberships(business_manager, police):
    client = client_for(business_manager)
    response = client.post(
        f"/tracker/people/{business_manager.pk}/", {"action": "add", "agency": police.pk}
    )
    assert "You cannot change your own agency memberships" in messages_after(response, client)
    assert not AgencyMembership.objects.filter(user=business_manager).exists()


def test_a_reactivated_lead_s_old_token_stays_revoked(business_manager, police_lead):
    legacy = Token.objects.create(user=police_lead)
    client = client_for(business_manager)
    client.post(f"/tracker/people/{police_lead.pk}/", {"action": "deactivate"})
    response = client.post(f"/tracker/people/{police_lead.pk}/", {"action": "reactivate"})
    assert "Their old API tokens stay revoked." in messages_after(response, client)

    api = Client(HTTP_AUTHORIZATION=f"Token {legacy.key}")
    assert api.get("/api/learning/actions/").status_code == 401


def test_an_older_token_is_listed_on_the_account_page_to_revoke(police_lead):
    legacy = Token.objects.create(user=police_lead)
    client = client_for(police_lead)
    page = client.get("/account/").content.decode()
    assert "You also hold an older token" in page and legacy.key not in page
    response = client.post("/account/tokens/older/revoke/")
    assert response.status_code == 302
    assert not Token.objects.filter(user=police_lead).exists()
    api = Client(HTTP_AUTHORIZATION=f"Token {legacy.key}")
    assert api.get("/api/learning/actions/").status_code == 401
