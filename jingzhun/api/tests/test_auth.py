"""Tokens: issuing through django-axes (with lockout), and every way a bearer token can be refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jingzhun.accounts.models import ApiToken
from jingzhun.api.tests.conftest import PREFIX, Api, post_token

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert set(error) >= {"message", "message_zh", "message_en", "fields"}
    return error


def test_token_issued_with_expiry_and_works(personas, settings):
    response = post_token(Client(), "village_a")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and len(body["token"]) >= 40
    expires = dt.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    expected = timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS)
    assert abs((expires - expected).total_seconds()) < 60
    stored = ApiToken.objects.get(user=personas.village_officer)
    assert stored.digest != body["token"]  # only a digest is kept
    ok = Client().get(f"{PREFIX}/households", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert ok.status_code == 200


def test_wrong_password_and_unknown_user_answer_401_alike(personas):
    wrong = post_token(Client(), "village_a", "not-the-password")
    unknown = post_token(Client(), "nobody-here", "not-the-password")
    assert_error(wrong, 401, "invalid_credentials")
    assert wrong.content == unknown.content


def test_inactive_user_gets_no_token(personas):
    personas.cadre.is_active = False
    personas.cadre.save()
    assert_error(post_token(Client(), "cadre"), 401, "invalid_credentials")


def test_lockout_after_five_failures_refuses_the_right_password(personas):
    client = Client()
    results = [post_token(client, "village_a", "wrong-password") for _ in range(5)]
    for response in results[:4]:
        assert_error(response, 401, "invalid_credentials")
    assert_error(results[4], 429, "locked_out")  # the fifth failure locks the username from this address
    sixth = post_token(client, "village_a")  # the right password now
    error = assert_error(sixth, 429, "locked_out")
    assert error["message_zh"] and error["message_en"]
    assert not ApiToken.objects.filter(user=personas.village_officer).exists()
    # Another account from the same address is not locked.
    assert post_token(client, "village_b").status_code == 200


def test_request_without_token_is_401_in_the_standard_format(personas):
    response = Client().get(f"{PREFIX}/households")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Basic dmlsbGFnZV9hOng=", "nonsense"])
def test_invalid_tokens_are_401(personas, header):
    response = Client().get(f"{PREFIX}/households", HTTP_AUTHORIZATION=header)
    assert_error(response, 401, "not_authenticated")


def test_expired_token_is_401(personas):
    api = Api("village_a")
    assert api.get("/households").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert_error(api.get("/households"), 401, "not_authenticated")


def test_token_of_deactivated_user_is_401(personas):
    api = Api("village_a")
    personas.village_officer.is_active = False
    personas.village_officer.save()
    assert_error(api.get("/households"), 401, "not_authenticated")


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/households/1"), ("get", "/households/export"), ("post", "/households"), ("patch", "/households/1"),
    ("get", "/households/1/members"), ("post", "/households/1/members"), ("get", "/members/1"),
    ("patch", "/members/1"), ("put", "/households/1/years/2024"), ("put", "/members/1/years/2024"),
    ("get", "/areas"), ("get", "/areas/441426000000"),
])
def test_every_endpoint_but_token_needs_a_token(personas, method, path):
    response = getattr(Client(), method)(f"{PREFIX}{path}", "{}", content_type="application/json") \
        if method != "get" else Client().get(f"{PREFIX}{path}")
    assert_error(response, 401, "not_authenticated")
