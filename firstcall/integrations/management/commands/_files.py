"""What the `mismo` and `fnm` commands share: the JSON error contract, reading the file, finding the organisation."""

import json
import sys

from django.core.management.base import BaseCommand

from firstcall.accounts.models import Organisation

EXIT_BAD_INPUT = 2


class BadInput(Exception):
    def __init__(self, code: str, message: str, **detail):
        super().__init__(message)
        self.code, self.message, self.detail = code, message, detail


def fail(command: BaseCommand, error: BadInput):
    """Print {"error", "message", ...} on stdout and exit 2: the contract scripts and checks rely on."""
    command.stdout.write(json.dumps({"error": error.code, "message": error.message, **error.detail}))
    sys.exit(EXIT_BAD_INPUT)


def read_bytes(path: str, limit: int) -> bytes:
    try:
        with open(path, "rb") as file:
            data = file.read(limit + 1)
    except OSError as error:
        raise BadInput("unreadable_input", f"cannot read {path}: {error.strerror or error}") from error
    if len(data) > limit:
        raise BadInput("too_large", f"{path} is larger than {limit // (1024 * 1024)} MB")
    return data


def organisation_for(option: str | None) -> Organisation:
    if option:
        organisation = (
            Organisation.objects.filter(slug=option).first()
            or Organisation.objects.filter(name=option).first()
        )
        if organisation is None:
            raise BadInput("unknown_organisation", f"no organisation named {option!r}")
        return organisation
    organisations = list(Organisation.objects.all()[:2])
    if len(organisations) != 1:
        raise BadInput("organisation_needed", "name the organisation with --org (there is not exactly one)")
    return organisations[0]
