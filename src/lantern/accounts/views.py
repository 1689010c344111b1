"""Signing in (password, then a one-time code, or setting up an app), and signing out."""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from lantern.core import clock

from . import flow, otp, selectors, services
from .conf import duration_words, setting
from .forms import CodeForm, SignInForm


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request):
    next_url = flow.safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if otp.is_verified(request.user):
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    if request.method == "GET" and flow.pending_resume(request) is not None:
        flow.pending_redirect_next(request, next_url)
        return redirect("accounts:second-factor")
    form = SignInForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        outcome = flow.password_step(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            next_url=next_url,
        )
        if outcome.redirect_to:
            return redirect(outcome.redirect_to)
        form.add_error(None, outcome.error)
    return render(
        request,
        "accounts/sign_in.html",
        {"form": form, "next": next_url, "notice": flow.notice_pop(request)},
    )


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def second_factor(request):
    pending = flow.pending_resume(request)
    if pending is None:
        return redirect("accounts:sign-in")
    device = selectors.second_factor_device(pending.user)
    if device is None:
        return redirect("accounts:enrol")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        outcome = flow.code_step(request, pending, device, form.cleaned_data["code"])
        if outcome.redirect_to:
            return redirect(outcome.redirect_to)
        form.add_error("code", outcome.error)
    demo_code = None
    if otp.is_demo_device(device):
        demo_code = otp.current_code(device, clock.now())
    return render(
        request,
        "accounts/second_factor.html",
        {"form": form, "pending_user": pending.user, "demo_code": demo_code},
    )


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request):
    pending = flow.pending_resume(request)
    if pending is None:
        return redirect("accounts:sign-in")
    if selectors.second_factor_device(pending.user) is not None:
        # One authenticator per account; replacing it is for an administrator.
        return redirect("accounts:second-factor")
    device = services.second_factor_enrolment_start(user=pending.user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        outcome = flow.enrol_step(request, pending, device, form.cleaned_data["code"])
        if outcome.redirect_to:
            return redirect(outcome.redirect_to)
        form.add_error("code", outcome.error)
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "pending_user": pending.user,
            "qr_svg": mark_safe(otp.qr_svg(device)),  # noqa: S308 - segno's own SVG
            "secret": otp.secret_text(device),
            "step_time": duration_words(setting("SIGN_IN_SECOND_STEP_SECONDS")),
        },
    )


@csrf_protect
@require_POST
def sign_out(request):
    was_signed_in = request.user.is_authenticated
    auth.logout(request)  # flushes the session on the server, half-signed-in or not
    if was_signed_in:
        flow.notice_set(request, "You have signed out", success=True)
    return redirect(settings.LOGOUT_REDIRECT_URL)
