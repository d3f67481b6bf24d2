"""`firstcall assistant_retrain --org ORG`: rebuild the reply model with the organisation's corrected labels and
report how it reads the held-out replies (which never train it)."""

import json

from django.core.management.base import BaseCommand, CommandError

from firstcall.accounts.models import Organisation
from firstcall.assistant.services import retrain


class Command(BaseCommand):
    help = "Retrain the reply model from the organisation's corrected labels and print its held-out scores."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="organisation id or name")

    def handle(self, *args, org, **options):
        found = (
            Organisation.objects.filter(pk=int(org))
            if org.isdigit()
            else Organisation.objects.filter(name=org)
        )
        organisation = found.first()
        if organisation is None:
            raise CommandError(f"no organisation {org!r}")
        self.stdout.write(json.dumps(retrain(organisation)))
