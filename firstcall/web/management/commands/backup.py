"""`firstcall backup FILE`: the command line over firstcall/db/backup.py (docs/operations in README)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from firstcall.db.backup import BackupError, backup


class Command(BaseCommand):
    help = "Copy the whole database to FILE (SQLite online backup, or pg_dump)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options):
        try:
            result = backup(options["file"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(result))
