"""Signing in and out."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_sign_in_with_a_wrong_password_says_so(client):
    response = client.post(
        reverse("accounts:sign-in"), {"username": "mash.worker", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    assert "govuk-error-summary" in response.content.decode()


def test_sign_in_and_sign_out(client):
    response = client.post(
        reverse("accounts:sign-in"), {"username": "mash.worker", "password": "lantern-demo-only"}
    )
    assert response.status_code == 302
    assert client.get(reverse("web:home")).status_code == 200
    client.post(reverse("accounts:sign-out"))
    assert client.get(reverse("web:home")).status_code == 302
