"""Sign-in, two-factor, sign-out, password reset and the audit log page. Thin: the rules live in signin.py,
two_factor.py, lockout.py and audit.py."""

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from firstcall.accounts import audit, signin, two_factor
from firstcall.accounts.access import can_view_audit_log, visible_audit_events
from firstcall.accounts.client import client_ip
from firstcall.accounts.forms import (
    AuditFilterForm,
    CodeForm,
    PasswordConfirmForm,
    SignInForm,
    audit_action_choices,
    audit_actor_choices,
)
from firstcall.accounts.lockout import sign_in_lock
from firstcall.accounts.models import User
from firstcall.accounts.services import record_audit
from firstcall.accounts.throttle import is_rate_limited

BAD_CREDENTIALS = "That username and password don't match an active account. Check them and try again."
BAD_CODE = (
    "That code didn't work. Enter the newest 6-digit code from your authenticator app, or a recovery code."
)


def _next_param(request) -> str:
    return request.POST.get("next") or request.GET.get("next") or ""


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def sign_in(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(signin.safe_next(request, _next_param(request)))
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        ip_address = client_ip(request)
        named_user = User.objects.filter(username=username).select_related("organisation").first()
        lock = sign_in_lock(username, ip_address)
        if lock is not None:
            # Locked: the password is not even checked, so guessing during a lock learns nothing.
            audit.record_blocked_sign_in(username, user=named_user, scope=lock.scope, ip_address=ip_address)
            form.add_error(None, lock.message)
            status = 429
        else:
            user = auth.authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                audit.record_failed_sign_in(
                    username, user=named_user, reason="password", ip_address=ip_address
                )
                lock = sign_in_lock(username, ip_address)
                form.add_error(None, lock.message if lock else BAD_CREDENTIALS)
                status = 429 if lock else 200
            else:
                next_url = signin.safe_next(request, _next_param(request))
                if two_factor.has_two_factor(user):
                    signin.start_pending(request, user, next_url)
                    return redirect("login_verify")
                if two_factor.requires_two_factor(user):
                    signin.start_pending(request, user, next_url)
                    messages.info(
                        request, "Your account needs two-factor sign-in. Set it up now: it takes a minute."
                    )
                    return redirect("two_factor_setup")
                signin.complete_sign_in(request, user, method="password")
                return redirect(next_url)
    if request.method == "GET":
        signin.clear_pending(request)  # back at the start: a half-finished sign-in is abandoned
    return render(
        request, "accounts/sign_in.html", {"form": form, "next": _next_param(request)}, status=status
    )


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def verify(request):
    """The second step: a code from the authenticator (or a recovery code) for a pending sign-in, or to raise
    a password-only session to two-factor (step-up)."""
    stepping_up = (
        request.user.is_authenticated and request.session.get(signin.AUTH_LEVEL) == signin.LEVEL_PASSWORD
    )
    user = request.user if stepping_up else signin.pending_user(request)
    if user is None:
        if request.user.is_authenticated:
            return redirect(settings.LOGIN_REDIRECT_URL)
        messages.info(request, "Your sign-in took too long. Please start again.")
        return redirect("login")
    if not two_factor.has_two_factor(user):
        return redirect("two_factor_setup")
    next_url = (
        signin.safe_next(request, _next_param(request)) if stepping_up else signin.pending_next(request)
    )
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        ip_address = client_ip(request)
        lock = sign_in_lock(user.username, ip_address)
        code = form.cleaned_data["code"]
        if lock is not None:
            audit.record_blocked_sign_in(user.username, user=user, scope=lock.scope, ip_address=ip_address)
            signin.clear_pending(request)
            form.add_error(None, lock.message)
            status = 429
        else:
            method = None
            if two_factor.looks_like_recovery_code(code):
                if two_factor.use_recovery_code(user, code, ip_address=ip_address):
                    method = "recovery_code"
            elif two_factor.verify_code(user, code):
                method = "totp"
            if method is None:
                audit.record_failed_sign_in(
                    user.username, user=user, reason="two_factor_code", ip_address=ip_address
                )
                form.add_error("code", BAD_CODE)
            else:
                if stepping_up:
                    signin.raise_to_two_factor(request)
                else:
                    signin.complete_sign_in(request, user, method=method)
                if method == "recovery_code":
                    left = two_factor.remaining_recovery_codes(user)
                    messages.warning(
                        request,
                        f"You used a recovery code; {left} left. Make new ones in Account "
                        "security if you are running low.",
                    )
                return redirect(next_url)
    return render(request, "accounts/verify.html", {"form": form, "stepping_up": stepping_up}, status=status)


def _qr_svg(uri: str) -> str:
    """The setup link as an inline SVG QR code (segno), drawn here: no image request, nothing sent out."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, title="QR code for your authenticator app")
    return mark_safe(svg)  # noqa: S308 - segno's own SVG markup; the URI is encoded in the path data


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def two_factor_setup(request):
    """Enrol an authenticator: show the key (grouped for typing) and the otpauth URI, then confirm a code."""
    pending = None if request.user.is_authenticated else signin.pending_user(request)
    user = request.user if request.user.is_authenticated else pending
    if user is None:
        return redirect("login")
    if two_factor.has_two_factor(user):
        return redirect("two_factor_settings" if request.user.is_authenticated else "login_verify")
    device, secret = two_factor.pending_enrolment(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_enrolment(user, form.cleaned_data["code"], ip_address=client_ip(request))
        if codes is None:
            form.add_error(
                "code",
                "That code didn't match. Check the key was typed exactly, then enter the "
                "newest code from the app.",
            )
        else:
            if pending is not None:
                next_url = signin.pending_next(request)
                signin.complete_sign_in(request, user, method="totp_enrolment")
            else:
                next_url = signin.safe_next(request, _next_param(request), reverse("two_factor_settings"))
                signin.raise_to_two_factor(request)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next_url": next_url, "just_enabled": True},
            )
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "secret_grouped": two_factor.grouped(secret),
            "uri": two_factor.provisioning_uri(user, secret),
            "qr_svg": _qr_svg(two_factor.provisioning_uri(user, secret)),
            "required": two_factor.requires_two_factor(user),
            "account": user,
            "next": _next_param(request),
        },
    )


@login_required
@never_cache
def two_factor_settings(request):
    user = request.user
    return render(
        request,
        "accounts/two_factor_settings.html",
        {
            "enabled": two_factor.has_two_factor(user),
            "required": two_factor.requires_two_factor(user),
            "remaining": two_factor.remaining_recovery_codes(user),
            "code_form": CodeForm(),
            "password_form": PasswordConfirmForm(),
        },
    )


@login_required
@require_POST
@sensitive_post_parameters("code")
@never_cache
def regenerate_recovery_codes(request):
    form = CodeForm(request.POST)
    if not (form.is_valid() and two_factor.verify_code(request.user, form.cleaned_data["code"])):
        messages.error(request, "New recovery codes need a current code from your authenticator app.")
        return redirect("two_factor_settings")
    codes = two_factor.regenerate_recovery_codes(request.user, ip_address=client_ip(request))
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next_url": reverse("two_factor_settings")}
    )


@login_required
@require_POST
@sensitive_post_parameters("password")
def disable_two_factor(request):
    form = PasswordConfirmForm(request.POST)
    if not (form.is_valid() and request.user.check_password(form.cleaned_data["password"])):
        messages.error(request, "Turning off two-factor sign-in needs your current password.")
        return redirect("two_factor_settings")
    two_factor.disable_two_factor(request.user, actor=request.user, ip_address=client_ip(request))
    request.session[signin.AUTH_LEVEL] = signin.LEVEL_PASSWORD
    if two_factor.requires_two_factor(request.user):
        messages.info(request, "Your role needs two-factor sign-in: set up your new authenticator now.")
        return redirect("two_factor_setup")
    messages.success(request, "Two-factor sign-in is off.")
    return redirect("two_factor_settings")


@require_POST
def sign_out(request):
    signin.clear_pending(request)
    signin.sign_out(request)
    messages.info(request, "You are signed out.")
    return redirect("login")


def admin_login(request):
    """Django admin's own login form would skip two-factor and the lockout, so it sends people here."""
    if request.user.is_authenticated:
        # Signed in but not staff: sending them on to /login/ would loop straight back to the admin.
        raise PermissionDenied("Your account does not have access to the back office.")
    next_url = signin.safe_next(request, _next_param(request), reverse("admin:index"))
    return redirect(f"{reverse('login')}?{urlencode({'next': next_url})}")


@login_required
def audit_log(request):
    if not can_view_audit_log(request.user):
        raise PermissionDenied
    events = visible_audit_events(request.user)
    form = AuditFilterForm(request.GET or None)
    filtered = form.filter(events).select_related("actor").order_by("-created_at", "-id")
    page = Paginator(filtered, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_log.html",
        {
            "page": page,
            "form": form,
            "actions": audit_action_choices(events),
            "actors": audit_actor_choices(request.user),
            "query": query.urlencode(),
        },
    )


# --- Password reset by email: Django's views and tokens, our templates, plus auditing and a rate limit. ---


class PasswordResetRequestView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        ip_address = client_ip(self.request)
        email = form.cleaned_data["email"]
        if is_rate_limited(f"password_reset:ip:{ip_address}", 5) or is_rate_limited(
            f"password_reset:email:{audit.attempt_key(email)}", 3
        ):
            # Same answer as a sent email: the page must not tell whether the address has an account.
            record_audit(
                None, audit.PASSWORD_RESET_REQUESTED, ip_address=ip_address, detail={"throttled": True}
            )
            return redirect(self.success_url)
        users = list(form.get_users(email))
        for user in users:
            record_audit(
                user.organisation,
                audit.PASSWORD_RESET_REQUESTED,
                ip_address=ip_address,
                detail={"user_id": user.pk, "username": user.username},
            )
        if not users:
            record_audit(
                None, audit.PASSWORD_RESET_REQUESTED, ip_address=ip_address, detail={"matched": False}
            )
        # Links are built from SITE_URL, not the request's Host header, which a caller could forge.
        self.extra_email_context = {"site_url": settings.SITE_URL}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "timeout_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        }


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    post_reset_login = False  # the new password still goes through sign-in and two-factor

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        record_audit(
            user.organisation,
            audit.PASSWORD_RESET_COMPLETED,
            actor=user,
            ip_address=client_ip(self.request),
            detail={"username": user.username, "attempt_key": audit.attempt_key(user.username)},
        )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
