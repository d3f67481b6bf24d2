"""Who may route: org admins and managers change rules and reassign; a loan officer claims only what was offered.

Routing rules are scoped: an organisation-wide rule (no team) is the admins' to edit; a rule of one team is also
its branch managers' to edit, and may only pick that team's loan officers. A manager sees every rule of the
organisation (the order they are tried in matters to them) but changes only their teams' rules."""

from firstcall.accounts.models import Team, User


def can_manage_routing(user: User) -> bool:
    return (
        user.is_authenticated
        and user.organisation_id is not None
        and (user.is_org_admin or user.role == User.Role.MANAGER)
    )


def rule_teams(user: User):
    """The teams whose rules the person may edit: every team of the organisation for an admin, the teams they
    manage for a manager, none for anyone else."""
    if not can_manage_routing(user):
        return Team.objects.none()
    teams = Team.objects.filter(organisation_id=user.organisation_id)
    if user.is_org_admin:
        return teams.order_by("name")
    return teams.filter(managers=user).order_by("name")


def may_edit_org_wide_rules(user: User) -> bool:
    return can_manage_routing(user) and user.is_org_admin


def may_add_rules(user: User) -> bool:
    return may_edit_org_wide_rules(user) or rule_teams(user).exists()


def can_edit_rule(user: User, rule, *, team_ids: set[int] | None = None) -> bool:
    """Object-level check for one rule (edit, move, pause, resume, test). `team_ids` may be passed when checking
    many rules at once (from `rule_teams`)."""
    if not can_manage_routing(user) or rule.organisation_id != user.organisation_id:
        return False
    if user.is_org_admin:
        return True
    if rule.team_id is None:
        return False
    if team_ids is None:
        team_ids = set(rule_teams(user).values_list("pk", flat=True))
    return rule.team_id in team_ids


def team_loan_officer_ids(team: Team) -> set[int]:
    return set(
        team.members.filter(role=User.Role.LOAN_OFFICER, organisation_id=team.organisation_id).values_list(
            "pk", flat=True
        )
    )


def rule_scope_problem(user: User, team: Team | None, candidates, fallback_users) -> str | None:
    """Why `user` may not save a rule scoped to `team` that picks `candidates` and `fallback_users`, or None.
    A rule of a team picks only that team's loan officers, whoever edits it, and names them: "none ticked"
    would mean every loan officer of the organisation."""
    people = [*candidates, *fallback_users]
    if team is None:
        return None if may_edit_org_wide_rules(user) else "Only an admin can add or edit rules for everyone."
    if team.organisation_id != user.organisation_id or not rule_teams(user).filter(pk=team.pk).exists():
        return "You can only edit rules of the teams you manage."
    if not candidates:
        return f"Tick the loan officers of {team.name} this rule may pick."
    outside = [person for person in people if person.pk not in team_loan_officer_ids(team)]
    if outside:
        names = ", ".join(str(person) for person in outside)
        return f"A rule of {team.name} can only pick its own loan officers; not {names}."
    return None


def can_reassign(user: User, lead) -> bool:
    if not can_manage_routing(user) or user.organisation_id != lead.organisation_id:
        return False
    if user.is_org_admin:
        return True
    from firstcall.leads.access import can_view_lead

    return can_view_lead(user, lead)
