"""Project-wide fixtures: the named personas (with their area tree) and the reference data."""

import pytest

# Browser fixtures (chromium, page) for every app's Playwright tests.
pytest_plugins = ["jingzhun.testing.browser"]

from jingzhun.testing.personas import build_personas
from jingzhun.testing.reference import ensure_reference_data


@pytest.fixture
def reference_data(db):
    ensure_reference_data()


@pytest.fixture
def personas(reference_data):
    return build_personas()
