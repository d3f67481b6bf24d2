import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from firstcall.accounts.services import get_or_create_organisation
from firstcall.leads.models import Channel, LeadSource
from firstcall.leads.sources import create_source, intake_url


class Command(BaseCommand):
    help = "Manage lead sources. `sources create` prints the new source as one JSON object."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a lead source (and its organisation if missing)")
        create.add_argument("--org", required=True, help="Organisation name or slug")
        create.add_argument("--channel", required=True, choices=[c for c in Channel.values if c not in
                                                                 ("email", "manual")])  # fmt: skip
        create.add_argument("--name", required=True)
        create.add_argument("--vendor", default="")
        create.add_argument("--cost-per-lead", default="0")
        create.add_argument(
            "--mapping", help="JSON file with the field mapping (vendor posts, CSV, Google Ads)"
        )
        listing = actions.add_parser("list", help="List sources as JSON lines")
        listing.add_argument("--org")

    def handle(self, *args, action, **options):
        if action == "create":
            mapping = None
            if options.get("mapping"):
                try:
                    mapping = json.loads(Path(options["mapping"]).read_text())
                except (OSError, ValueError) as error:
                    raise CommandError(f"Cannot read mapping file: {error}") from error
                if not isinstance(mapping, dict):
                    raise CommandError("The mapping file must hold a JSON object.")
            organisation = get_or_create_organisation(options["org"])
            source, issued = create_source(
                organisation,
                channel=options["channel"],
                name=options["name"],
                mapping=mapping,
                vendor=options["vendor"],
                cost_per_lead=options["cost_per_lead"],
            )
            payload = {"id": source.pk, "channel": source.channel, "intake_url": intake_url(source), **issued}
            if payload["verify_token"] is None:
                payload.pop("verify_token")
            self.stdout.write(json.dumps(payload))
        elif action == "list":
            sources = LeadSource.objects.select_related("organisation")
            if options.get("org"):
                sources = sources.filter(organisation__slug=options["org"]) | sources.filter(
                    organisation__name=options["org"]
                )
            for source in sources:
                self.stdout.write(json.dumps({
                    "id": source.pk, "organisation": source.organisation.slug, "channel": source.channel,
                    "name": source.name, "intake_url": intake_url(source), "active": source.is_active,
                }))  # fmt: skip
