"""Pages and the API need both steps: `verified_required`, its mixin, and `IsVerified`."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.views import View
from rest_framework.exceptions import NotAuthenticated
from rest_framework.test import APIRequestFactory

from lantern.accounts.decorators import VerifiedRequiredMixin, verified_required
from lantern.accounts.permissions import IsVerified
from lantern.core import clock

from .helpers import MORNING, code_for, enter_code, enter_password, sign_in_verified

pytestmark = pytest.mark.django_db


@verified_required
def a_page(request):
    return HttpResponse("the page")


class APage(VerifiedRequiredMixin, View):
    def get(self, request):
        return HttpResponse("the page")


def _request(user):
    """A request as it reaches a view, with django-otp's idea of the user installed."""
    from django_otp.middleware import OTPMiddleware

    request = RequestFactory().get("/people/?name=Ali")
    request.user = user
    request.session = {}
    OTPMiddleware(lambda r: None)._verify_user_sync(request, user)
    return request


@pytest.mark.parametrize("view", [a_page, APage.as_view()])
def test_someone_signed_in_with_a_password_only_is_sent_to_sign_in(view, mash_worker):
    response = view(_request(mash_worker))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:sign-in')}?next=/people/%3Fname%3DAli"


@pytest.mark.parametrize("view", [a_page, APage.as_view()])
def test_someone_anonymous_is_sent_to_sign_in(view):
    from django.contrib.auth.models import AnonymousUser

    response = view(_request(AnonymousUser()))
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize("view", [a_page, APage.as_view()])
def test_someone_verified_sees_the_page(view, mash_worker):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    request = _request(mash_worker)
    mash_worker.otp_device = TOTPDevice.objects.get(user=mash_worker)
    assert request.user.is_verified()
    assert view(request).content == b"the page"


def test_force_login_alone_is_not_verified_but_the_helper_is(client, mash_worker):
    client.force_login(mash_worker)
    response = client.get(reverse("accounts:sign-in"))
    assert response.wsgi_request.user.is_authenticated
    assert not response.wsgi_request.user.is_verified()
    sign_in_verified(client, mash_worker)
    assert client.get(reverse("accounts:sign-in")).wsgi_request.user.is_verified()


def test_the_api_permission_needs_the_code(mash_worker):
    request = APIRequestFactory().get("/api/v1/people/")
    request.user = mash_worker
    mash_worker.is_verified = lambda: False
    with pytest.raises(NotAuthenticated):
        IsVerified().has_permission(request, None)
    mash_worker.is_verified = lambda: True
    assert IsVerified().has_permission(request, None)


def test_the_api_refuses_a_session_with_only_the_password(client, mash_worker):
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
        response = client.get("/api/v1/schema/")
        assert response.status_code == 403
        client.force_login(mash_worker)
        response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
        assert response.status_code == 403
        assert "one-time code" in response.json()["detail"]


def test_the_api_answers_after_both_steps(client, mash_worker):
    with clock.frozen_at(MORNING):
        enter_password(client, "mash.worker")
        enter_code(client, code_for(mash_worker, MORNING))
        assert client.get("/api/v1/schema/").status_code == 200


def test_the_api_uses_is_verified_by_default(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] == [
        "lantern.accounts.permissions.IsVerified"
    ]
