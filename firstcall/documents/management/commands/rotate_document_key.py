"""Re-encrypt every stored document with the current key (FIRSTCALL_DOCUMENT_ENCRYPTION_KEY).

Rotation: set the new key in FIRSTCALL_DOCUMENT_ENCRYPTION_KEY and the old one in
FIRSTCALL_DOCUMENT_PREVIOUS_ENCRYPTION_KEYS, restart, run `firstcall rotate_document_key`, then remove the old key.
"""

from django.core.management.base import BaseCommand

from firstcall.documents import storage
from firstcall.documents.models import Document


class Command(BaseCommand):
    help = "Re-encrypt stored documents with the current document encryption key."

    def handle(self, *args, **options):
        current = storage.current_key_id()
        rewritten = failed = 0
        for document in Document.objects.exclude(key_id=current).only("pk", "storage_name").iterator():
            try:
                storage.rewrite(document.storage_name)
            except (storage.UnreadableStoredFile, OSError) as error:
                failed += 1
                self.stderr.write(f"document {document.pk}: {error}")
                continue
            Document.objects.filter(pk=document.pk).update(key_id=current)
            rewritten += 1
        self.stdout.write(f"re-encrypted {rewritten} document(s); {failed} could not be read")
        return None
