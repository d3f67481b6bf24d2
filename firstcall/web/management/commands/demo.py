from django.core.management import call_command
from django.core.management.base import BaseCommand

from firstcall.accounts.models import Organisation


class Command(BaseCommand):
    help = "Migrate, seed the demo organisation (once), and serve it with a background worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true", help="Set up and seed only")

    def handle(self, *args, host, port, no_serve, **options):
        call_command("migrate", verbosity=0, interactive=False)
        if not Organisation.objects.filter(slug="demo-home-loans").exists():
            self.stdout.write("Seeding the demo organisation…")
            call_command("seed_demo")
        from firstcall.web.demo import DEMO_LOGINS

        self.stdout.write("")
        self.stdout.write(f"FirstCall demo: http://{host}:{port}/")
        self.stdout.write("Sign in as (username / password):")
        for username, password, role in DEMO_LOGINS:
            self.stdout.write(f"  {username:<10} {password:<22} {role}")
        self.stdout.write("")
        if not no_serve:
            call_command("serve", host=host, port=port)
