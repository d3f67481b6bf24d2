"""`firstcall los connect --org ORG --name NAME [--fetch-url URL] [--fetch-authorization VALUE]` prints the
endpoint and its bearer token once; `firstcall los import FILE --org ORG` reads a milestones CSV."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand

from firstcall.integrations import los
from firstcall.integrations.management.commands._files import BadInput, fail, organisation_for, read_bytes


class Command(BaseCommand):
    help = "Connect a loan origination system that reports milestones, or import milestones from a CSV."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        connect = actions.add_parser("connect", help="Create an authenticated milestone endpoint")
        connect.add_argument("--org")
        connect.add_argument("--name", required=True)
        connect.add_argument("--fetch-url", default="", help="For notifications: URL with {resource_id}")
        connect.add_argument("--fetch-authorization", default="", help="Authorization header for the fetch")
        importing = actions.add_parser("import", help="Import a milestones CSV")
        importing.add_argument("file")
        importing.add_argument("--org")

    def handle(self, *args, action, **options):
        try:
            organisation = organisation_for(options.get("org"))
            if action == "connect":
                connection, token = los.create_connection(
                    organisation, name=options["name"], fetch_url=options["fetch_url"],
                    fetch_authorization=options["fetch_authorization"],
                )  # fmt: skip
                url = f"{settings.SITE_URL}/hooks/los/{connection.pk}/"
                self.stdout.write(json.dumps({"id": connection.pk, "url": url, "token": token}))
                return
            text = read_bytes(options["file"], 20 * 1024 * 1024).decode("utf-8-sig", "replace")
            try:
                events = los.import_csv(organisation, text)
            except los.LosReportInvalid as error:
                raise BadInput("invalid_csv", str(error)) from error
            self.stdout.write(json.dumps({
                "rows": len(events),
                "applied": sum(event.status == "applied" for event in events),
                "review": [{"row": number, "reason": event.match_reason}
                           for number, event in enumerate(events, start=2) if event.status == "review"],
                "failed": [{"row": number, "error": event.error}
                           for number, event in enumerate(events, start=2) if event.status == "failed"],
            }, indent=2))  # fmt: skip
        except BadInput as error:
            fail(self, error)
