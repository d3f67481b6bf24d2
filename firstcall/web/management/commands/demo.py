import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from firstcall.accounts.models import Organisation
from firstcall.portals import services as portals


class Command(BaseCommand):
    help = (
        "Migrate, seed the demo organisation (once), print how to sign in as every role, and serve it with a "
        "background worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
        parser.add_argument("--no-serve", action="store_true", help="set up and seed only, do not serve")

    def handle(self, *args, host, port, no_serve, **options):
        # Links in alerts and emails follow the address the demo is served on, unless one is configured.
        if not os.environ.get("FIRSTCALL_SITE_URL"):
            wildcard = host in ("0.0.0.0", "::")  # noqa: S104 - the served address, compared, not bound
            site_url = f"http://{'127.0.0.1' if wildcard else host}:{port}"
            os.environ["FIRSTCALL_SITE_URL"] = site_url
            settings.SITE_URL = site_url
        call_command("migrate", verbosity=0, interactive=False)
        if not Organisation.objects.filter(slug="demo-home-loans").exists():
            self.stdout.write("Seeding the demo organisation…")
            call_command("seed_demo")
        from firstcall.web.demo import DEMO_LOGINS

        self.stdout.write("")
        self.stdout.write(f"FirstCall demo: {settings.SITE_URL}/")
        self.stdout.write("Sign in as (username / password / role):")
        for username, password, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<10} {password:<22} {role}")
        self.stdout.write("")
        self.stdout.write(
            "Admins and managers set up two-factor sign-in the first time they sign in: scan the QR code on\n"
            "that page with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password...),\n"
            "or type the key shown under it, then enter the 6-digit code. Loan officers, the processor and the\n"
            "partner sign in with their password only."
        )
        self.stdout.write("")
        self._print_borrower_link()
        if not no_serve:
            call_command("serve", host=host, port=port)

    def _print_borrower_link(self) -> None:
        from firstcall.web.demo.portal_links import borrower_sign_in_link

        organisation = Organisation.objects.get(slug="demo-home-loans")
        found = borrower_sign_in_link(organisation)
        if found is None:
            return
        lead, url = found
        minutes = int(portals.link_lifetime().total_seconds() // 60)
        self.stdout.write(f"Borrower portal, signed in as the demo borrower {lead.full_name} ({lead.email}):")
        self.stdout.write(f"  {url}")
        self.stdout.write(f"  (works once, for {minutes} minutes; for a new one ask at")
        self.stdout.write(
            f"  {settings.SITE_URL}/portal/{organisation.slug}/sign-in/ with that email address:"
        )
        self.stdout.write("  the link appears in the Outbox of the workspace)")
        self.stdout.write("")
        self._print_partner_link(organisation, minutes)

    def _print_partner_link(self, organisation, minutes: int) -> None:
        from firstcall.web.demo.portal_links import lead_sign_in_link, partner_sign_in_link

        found = partner_sign_in_link(organisation)
        if found is None:
            return
        partner, lead, url = found
        self.stdout.write(
            f"Partner portal, signed in as the demo partner {partner.get_full_name()} ({partner.email}):"
        )
        self.stdout.write(f"  {url}")
        self.stdout.write(f"  (works once, for {minutes} minutes; for a new one ask at")
        self.stdout.write(
            f"  {settings.SITE_URL}/portal/{organisation.slug}/sign-in/ with that email address)"
        )
        if lead is not None:
            self.stdout.write(
                f"  {lead.full_name} shares milestones with {partner.first_name} and has a pre-approval letter;"
            )
            self.stdout.write(f"  {lead.first_name}'s own portal: {lead_sign_in_link(lead)}")
        self.stdout.write("")
