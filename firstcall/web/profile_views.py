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

from firstcall.accounts.models import User
from firstcall.accounts.services import record_audit
from firstcall.compliance import services as compliance
from firstcall.intake.recording import client_ip
from firstcall.web.settings_forms import ProfileForm

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
