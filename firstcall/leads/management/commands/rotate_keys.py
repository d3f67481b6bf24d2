"""`firstcall rotate-keys`: re-encrypt every encrypted field under the first key of FIRSTCALL_FIELD_ENCRYPTION_KEY."""

from django.core.management.base import BaseCommand, CommandError

from firstcall.leads.keys import rotate_keys


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields under the current key (the first of FIRSTCALL_FIELD_ENCRYPTION_KEY)."

    def handle(self, *args, **options):
        try:
            rotated = rotate_keys()
        except ValueError as error:
            raise CommandError(
                f"{error}. Add the key that wrote it to FIRSTCALL_FIELD_ENCRYPTION_KEY."
            ) from error
        for column, count in rotated.items():
            self.stdout.write(f"{column}: {count} re-encrypted")
        self.stdout.write(f"Done: {sum(rotated.values())} values now under the current key.")
