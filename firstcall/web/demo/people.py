"""Chapter one: the organisation's people and lead sources."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher

from firstcall.accounts.models import Team, User
from firstcall.leads.models import LeadSource
from firstcall.leads.sources import create_source
from firstcall.web.demo.cast import OFFICER_HOURS, PEOPLE, WEEKDAY_HOURS
from firstcall.web.demo.sources import SOURCES


class PeopleAndSources:
    def _create_people(self) -> None:
        teams = {
            name: Team.objects.create(organisation=self.organisation, name=name)
            for name in ("East Coast", "South & West")
        }
        # Hash each distinct password once (see _demo_password_hash).
        hashed = {
            password: _demo_password_hash(password) for password in {person.password for person in PEOPLE}
        }
        self.users: dict[str, User] = {}
        for person in PEOPLE:
            is_officer = person.role == User.Role.LOAN_OFFICER
            # Officers also work Saturday mornings; the referral partner keeps no hours with us.
            hours = (
                OFFICER_HOURS if is_officer else ({} if person.role == User.Role.PARTNER else WEEKDAY_HOURS)
            )
            user = User.objects.create(
                username=person.username,
                password=hashed[person.password],
                first_name=person.first_name,
                last_name=person.last_name,
                email=person.email,
                organisation=self.organisation,
                role=person.role,
                is_staff=person.role == User.Role.ADMIN,
                is_superuser=person.role == User.Role.ADMIN,
                nmls_id=person.nmls_id,
                licensed_states=list(person.licensed_states),
                languages=list(person.languages),
                phone=person.phone,
                time_zone=person.time_zone,
                working_hours=hours,
                daily_lead_cap=25 if is_officer else None,
                accepts_leads=is_officer,
            )
            if person.team:
                user.teams.add(teams[person.team])
            self.users[person.username] = user
        self.users["manager"].managed_teams.add(*teams.values())
        self.officers = [user for user in self.users.values() if user.role == User.Role.LOAN_OFFICER]

    def _create_sources(self) -> None:
        self.sources: dict[str, LeadSource] = {}
        for plan in SOURCES:
            source, _issued = create_source(
                self.organisation,
                channel=plan.channel,
                name=plan.name,
                vendor=plan.vendor,
                cost_per_lead=plan.cost_per_lead,
            )
            self.sources[plan.key] = source
        self.intake_paths = {source.pk: _intake_path(source) for source in self.sources.values()}


def _demo_password_hash(password: str) -> str:
    """The demo passwords are published, so a slow hash protects nothing here and costs the seed seconds.
    Django upgrades the hash to its full work factor at the first sign-in (check_password rehashes)."""
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt(), iterations=20_000)


def _intake_path(source: LeadSource) -> str:
    from django.urls import NoReverseMatch

    from firstcall.leads.sources import intake_url

    try:
        return intake_url(source)
    except NoReverseMatch:  # the CSV screen's URL may not be wired in this build
        return f"/sources/{source.pk}/import/"
