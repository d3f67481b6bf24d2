"""The security audit log's vocabulary: one function per kind of event, so every caller writes the same shape.

Audit rows are append-only (model guards, plus a PostgreSQL trigger). Detail never holds borrower data or
secrets: usernames, ids, counts and reasons only.
"""

import hashlib

from firstcall.accounts.models import AuditEvent, User
from firstcall.accounts.services import API_KEY_USED, record_api_key_use, record_audit  # noqa: F401 - the audit log's names

# Action names. Other apps record their own actions (lead_source.created, intake.replayed, ...).
SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in.failed"
SIGN_IN_BLOCKED = "sign_in.blocked"
SIGN_OUT = "sign_out"
TWO_FACTOR_ENABLED = "two_factor.enabled"
TWO_FACTOR_DISABLED = "two_factor.disabled"
RECOVERY_CODE_USED = "two_factor.recovery_code_used"
RECOVERY_CODES_REGENERATED = "two_factor.recovery_codes_regenerated"
PASSWORD_RESET_REQUESTED = "password_reset.requested"
PASSWORD_RESET_COMPLETED = "password_reset.completed"
EXPORT = "export"
USER_CREATED = "user.created"
USER_ACCESS_CHANGED = "user.access_changed"

# What "a permission change" means for a person: anything that widens or narrows what they can see or do.
ACCESS_FIELDS = ["organisation_id", "role", "is_active", "is_staff", "is_superuser"]
ACCESS_MANY_FIELDS = ["teams", "managed_teams", "groups", "user_permissions"]


def attempt_key(username: str) -> str:
    """A stable, non-reversible key for a typed username: failed sign-ins are counted per key, and a password
    typed into the username box by mistake never lands in the log in clear."""
    normalised = (username or "").strip().lower()
    return hashlib.sha256(("firstcall-sign-in:" + normalised).encode()).hexdigest()[:32]


def record_sign_in(user: User, *, ip_address=None, method: str) -> AuditEvent:
    return record_audit(
        user.organisation,
        SIGN_IN,
        actor=user,
        ip_address=ip_address,
        detail={"username": user.username, "method": method, "attempt_key": attempt_key(user.username)},
    )


def record_failed_sign_in(username: str, *, user: User | None, reason: str, ip_address=None) -> AuditEvent:
    """A failed password or code. `user` is the account the username names, when it exists (never shown to the
    person signing in), so the organisation's admins see attacks on their people."""
    detail = {"reason": reason, "attempt_key": attempt_key(username)}
    if user is not None:
        detail["username"] = user.username
    return record_audit(
        user.organisation if user else None, SIGN_IN_FAILED, actor=user, detail=detail, ip_address=ip_address
    )


def record_blocked_sign_in(username: str, *, user: User | None, scope: str, ip_address=None) -> AuditEvent:
    detail = {"scope": scope, "attempt_key": attempt_key(username)}
    if user is not None:
        detail["username"] = user.username
    return record_audit(
        user.organisation if user else None, SIGN_IN_BLOCKED, actor=user, detail=detail, ip_address=ip_address
    )


def record_sign_out(user: User, *, reason: str = "signed_out", ip_address=None) -> AuditEvent:
    return record_audit(
        user.organisation, SIGN_OUT, actor=user, detail={"reason": reason}, ip_address=ip_address
    )


def record_export(
    user: User, what: str, count: int, *, ip_address=None, detail: dict | None = None
) -> AuditEvent:
    """Call this from every export (CSV of leads, reports...): who took how many rows of what.

    `what` names the export ("leads.csv", "speed_to_lead.csv"); `detail` may add filters used, never row data.
    """
    return record_audit(
        user.organisation,
        EXPORT,
        actor=user,
        ip_address=ip_address,
        detail={"what": what, "count": int(count), **(detail or {})},
    )


def access_snapshot(user: User) -> dict:
    """What decides a person's access, as plain data: take one before and one after an edit."""
    snapshot = {field: getattr(user, field) for field in ACCESS_FIELDS}
    if user.pk:
        for field in ACCESS_MANY_FIELDS:
            snapshot[field] = sorted(getattr(user, field).values_list("pk", flat=True))
    else:
        snapshot.update({field: [] for field in ACCESS_MANY_FIELDS})
    return snapshot


def record_access_changes(
    user: User, before: dict, after: dict, *, actor: User | None, ip_address=None, created: bool = False
) -> AuditEvent | None:
    """Audit a role, team, activation or permission change of `user`; writes nothing when nothing changed."""
    if created:
        return record_audit(
            user.organisation or (actor.organisation if actor else None),
            USER_CREATED,
            actor=actor,
            ip_address=ip_address,
            detail={"user_id": user.pk, "username": user.username, "access": after},
        )
    changes = {
        field: [before.get(field), after.get(field)]
        for field in after
        if before.get(field) != after.get(field)
    }
    if not changes:
        return None
    return record_audit(
        user.organisation or (actor.organisation if actor else None),
        USER_ACCESS_CHANGED,
        actor=actor,
        ip_address=ip_address,
        detail={"user_id": user.pk, "username": user.username, "changes": changes},
    )
