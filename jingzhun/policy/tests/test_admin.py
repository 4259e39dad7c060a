import pytest
from django.urls import reverse

from jingzhun.accounts.services import user_create
from jingzhun.policy.models import PolicyParameter
from jingzhun.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def test_admin_marks_uncertain_values_and_county_admin_sees_only_own_rows(client, personas):
    admin = user_create(actor=None, username="root", password=PASSWORD, role="", scope_codes=[], is_superuser=True)
    client.force_login(admin)
    page = client.get(reverse("admin:policy_policyparameter_changelist"), {"kind__exact": "poverty_line"}).content.decode()
    assert page.count("⚠") == PolicyParameter.objects.filter(kind="poverty_line", certainty="uncertain").count() == 3
    uncertain = PolicyParameter.objects.filter(certainty="uncertain").first()
    change = client.get(reverse("admin:policy_policyparameter_change", args=[uncertain.pk])).content.decode()
    assert "未经确认" in change or "unconfirmed" in change
    client.force_login(personas.county_admin)
    listing = client.get(reverse("admin:policy_policyparameter_changelist"))
    assert listing.status_code == 200 and "2736" not in listing.content.decode()  # national rows are not theirs
    client.force_login(personas.county_officer)
    assert client.get(reverse("admin:policy_policyparameter_changelist")).status_code in (302, 403)
