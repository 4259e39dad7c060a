"""Helpers for the API tests: a client holding a persona's bearer token, and a small registry."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from jingzhun.registry.tests.factories import member, register
from jingzhun.testing.personas import OTHER_VILLAGE, PASSWORD, VILLAGE_B

PREFIX = "/api/v1"


def post_token(client: Client, username: str, password: str = PASSWORD) -> Any:
    return client.post(f"{PREFIX}/auth/token", json.dumps({"username": username, "password": password}),
                       content_type="application/json")


class Api:
    """A test client that sends ``Authorization: Bearer <token>`` of one persona."""

    def __init__(self, username: str) -> None:
        self.client = Client()
        response = post_token(self.client, username)
        assert response.status_code == 200, response.content
        self.token = response.json()["token"]
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"{PREFIX}{path}", params, **self.headers)

    def send(self, method: str, path: str, body: dict[str, Any]) -> Any:
        return getattr(self.client, method)(f"{PREFIX}{path}", json.dumps(body, default=str),
                                            content_type="application/json", **self.headers)

    def export(self, **params: Any) -> str:
        response = self.get("/households/export", **params)
        assert response.status_code == 200, response.content
        raw = b"".join(response.streaming_content)
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
        return raw.decode("utf-8-sig")


@pytest.fixture
def households(personas):
    """(a) in village A, (b) in village B of the same township, (other) in the other county."""
    a = register(personas.village_officer, members=[member("head", "1", name="张三丰"), member("spouse", "2", name="李四娘")],
                 phone="13800138000", bank_account="6217000011112222")
    b = register(personas.village_officer_b, area_code=VILLAGE_B, members=[member("head", "1", name="张三")])
    other = register(personas.other_county_officer, area_code=OTHER_VILLAGE, members=[member("head", "2", name="张三妹")])
    return a, b, other
