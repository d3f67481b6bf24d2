"""A loan officer's own profile (/account/profile/): the NMLS ID every marketing message sent for them carries
(SAFE Act, 12 U.S.C. 5101 et seq.; 12 CFR 1007.105(c)). Each person edits only themselves: the page reads and
writes ``request.user`` and takes no id, so nobody can reach another person's profile here (admins change
anyone's through Settings, People). Roles that originate loans only: loan officers, managers and admins."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from firstcall.accounts.client import client_ip
from firstcall.accounts.models import User
from firstcall.accounts.services import record_audit, set_working_hours
from firstcall.compliance import services as compliance
from firstcall.integrations.calendar import services as calendar
from firstcall.web.settings_forms import BookingProfileForm, ProfileForm

ORIGINATING_ROLES = {User.Role.LOAN_OFFICER, User.Role.MANAGER, User.Role.ADMIN}


@login_required
@require_http_methods(["GET", "POST"])
def my_profile(request):
    person = request.user
    if person.role not in ORIGINATING_ROLES or not person.organisation_id:
        raise PermissionDenied
    before = person.nmls_id
    form = ProfileForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            if saved.nmls_id != before:
                record_audit(
                    person.organisation,
                    "profile.updated",
                    actor=person,
                    ip_address=client_ip(request),
                    detail={"user_id": person.pk, "changes": {"nmls_id": [before, saved.nmls_id]}},
                )
        messages.success(request, "Saved." if saved.nmls_id != before else "Nothing changed.")
        return redirect("my_profile")
    person.refresh_from_db(fields=["nmls_id"])
    return render(
        request,
        "web/profile.html",
        {"form": form, "blocker": compliance.marketing_nmls_blocker(person.organisation, person)},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_booking_page(request):
    """The officer's own booking page settings, their page's address and their calendar feed. Like the profile,
    it reads and writes ``request.user`` only; routing reads the same working hours. The time zone is set in
    Settings, People."""
    person = request.user
    if person.role not in ORIGINATING_ROLES or not person.organisation_id:
        raise PermissionDenied
    profile = calendar.profile_for(person)
    initial = {name: getattr(profile, name) for name in calendar.BOOKING_SETTINGS}
    before_hours = dict(person.working_hours or {})
    form = BookingProfileForm(request.POST or None, initial=initial, working_hours=before_hours)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            values = dict(form.cleaned_data)
            weekly = values.pop("working_hours")
            changes = calendar.update_profile(person, **values)
            if set_working_hours(person, weekly):
                changes["working_hours"] = (before_hours, weekly)
            if changes:
                record_audit(
                    person.organisation, "booking_page.updated", actor=person, ip_address=client_ip(request),
                    detail={"user_id": person.pk, "changes": {k: [str(v[0]), str(v[1])] for k, v in changes.items()}},
                )  # fmt: skip
        messages.success(request, "Saved." if changes else "Nothing changed.")
        return redirect("my_booking_page")
    return render(request, "web/booking_page.html", {
        "form": form, "bookable": calendar.bookable(person), "has_hours": bool(person.working_hours),
        "page_url": calendar.booking_url(person),
        "feed_url": f"{request.build_absolute_uri('/')[:-1]}/calendar/{person.pk}/{calendar.feed_token(person)}.ics",
    }, status=422 if request.method == "POST" else 200)  # fmt: skip
