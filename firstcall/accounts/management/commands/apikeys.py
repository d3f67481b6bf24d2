import json

from django.core.management.base import BaseCommand, CommandError

from firstcall.accounts.services import create_api_key, get_or_create_organisation


class Command(BaseCommand):
    help = 'Manage API keys. `apikeys create` prints {"api_key": ...}; the key is shown only once.'

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create")
        create.add_argument("--org", required=True)
        create.add_argument("--scopes", required=True, help="Comma-separated, e.g. leads:read,leads:write")
        create.add_argument("--name", default="API key")

    def handle(self, *args, action, **options):
        organisation = get_or_create_organisation(options["org"])
        scopes = [scope.strip() for scope in options["scopes"].split(",") if scope.strip()]
        try:
            api_key, raw_key = create_api_key(organisation, name=options["name"], scopes=scopes)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps({"api_key": raw_key, "id": api_key.pk, "scopes": api_key.scopes}))
