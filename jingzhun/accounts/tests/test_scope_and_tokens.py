import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from jingzhun.accounts.models import ApiToken
from jingzhun.accounts.roles import Role
from jingzhun.accounts.scope import area_scope_q, code_in_scope, scope_roots
from jingzhun.accounts.services import InvalidCredentials, token_authenticate, token_issue, user_create
from jingzhun.areas.models import Area
from jingzhun.core.exceptions import ActionForbidden, ValidationFailed
from jingzhun.testing.personas import COUNTY, OTHER_COUNTY, PASSWORD, TOWNSHIP, VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db


def _request():
    request = RequestFactory().post("/api/v1/auth/token")
    request.META["REMOTE_ADDR"] = "10.0.0.9"
    return request


def test_scope_covers_everything_below(personas):
    officer = personas.township_reviewer
    assert code_in_scope(officer, VILLAGE_A) and code_in_scope(officer, VILLAGE_B)
    assert not code_in_scope(officer, OTHER_COUNTY)
    codes_in = set(Area.objects.filter(area_scope_q(officer, "code")).values_list("code", flat=True))
    assert codes_in == {TOWNSHIP, VILLAGE_A, VILLAGE_B}


def test_nested_scope_nodes_are_collapsed(personas):
    user = user_create(actor=None, username="nested", password=PASSWORD, role=Role.COUNTY_OFFICER,
                       scope_codes=[COUNTY, VILLAGE_A])
    assert scope_roots(user) == [COUNTY]


def test_user_without_scope_sees_nothing(personas):
    user = user_create(actor=None, username="empty", password=PASSWORD, role=Role.COUNTY_OFFICER, scope_codes=[])
    assert not Area.objects.filter(area_scope_q(user, "code")).exists()


def test_admin_grants_only_inside_own_scope(personas):
    user_create(actor=personas.county_admin, username="new_village", password=PASSWORD,
                role=Role.VILLAGE_OFFICER, scope_codes=[VILLAGE_B])
    with pytest.raises(ActionForbidden):
        user_create(actor=personas.county_admin, username="x", password=PASSWORD,
                    role=Role.VILLAGE_OFFICER, scope_codes=[OTHER_COUNTY])
    with pytest.raises(ActionForbidden):
        user_create(actor=personas.county_officer, username="y", password=PASSWORD,
                    role=Role.VILLAGE_OFFICER, scope_codes=[VILLAGE_B])
    with pytest.raises(ValidationFailed):
        user_create(actor=personas.county_admin, username="new_village", password=PASSWORD,
                    role=Role.VILLAGE_OFFICER, scope_codes=[VILLAGE_B])


def test_passwords_are_hashed_with_argon2_in_production_settings(settings):
    from django.contrib.auth.hashers import get_hasher

    from jingzhun import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    assert get_hasher().algorithm == "argon2"


def test_token_lifecycle(personas):
    raw = token_issue(request=_request(), username="village_a", password=PASSWORD)
    assert token_authenticate(raw) == personas.village_officer
    assert ApiToken.objects.filter(digest=raw).count() == 0  # only a digest is stored
    assert token_authenticate("nonsense") is None
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert token_authenticate(raw) is None


def test_login_throttled_after_repeated_failures(personas):
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            token_issue(request=_request(), username="village_a", password="wrong-password")
    with pytest.raises(InvalidCredentials):
        token_issue(request=_request(), username="village_a", password=PASSWORD)
