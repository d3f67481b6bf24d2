from django.core.management.base import BaseCommand, CommandError

from firstcall.web.demo import DEFAULT_LEAD_COUNT, DEFAULT_SEED, DEMO_LOGINS, DemoAlreadySeeded, seed_demo


class Command(BaseCommand):
    help = "Create the demo organisation (Demo Home Loans): people, lead sources and synthetic leads."

    def add_arguments(self, parser):
        parser.add_argument(
            "--leads", type=int, default=DEFAULT_LEAD_COUNT, help="How many distinct borrowers"
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="Random seed (same seed, same demo)"
        )
        parser.add_argument("--reset", action="store_true", help="Delete an existing demo organisation first")

    def handle(self, *args, leads: int, seed: int, reset: bool, **options):
        if leads < 1:
            raise CommandError("--leads must be at least 1")
        try:
            summary = seed_demo(lead_count=leads, seed=seed, reset=reset)
        except DemoAlreadySeeded as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Seeded {summary.organisation.name}: {summary.leads} leads, {summary.merged} merged inquiries, "
            f"{summary.duplicates} repeat deliveries, {summary.rejected} rejected intake records "
            f"in {summary.seconds:.1f}s."
        )
        if options["verbosity"] > 1:
            for username, password, role in DEMO_LOGINS:
                self.stdout.write(f"  {username:<10} {password:<22} {role}")
