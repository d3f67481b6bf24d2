"""Demo data: a few leads with generated documents in every state, for `firstcall demo`."""

from __future__ import annotations

import io

import pypdf
from django.utils import timezone

from firstcall.documents import services
from firstcall.documents.corpus.generate import one
from firstcall.documents.models import Document
from firstcall.leads.models import Lead


def seed_documents(organisation, *, leads=None, actor=None) -> list[Document]:
    """Give up to four open leads of `organisation` documents: one read and waiting for review (W-2, stub, bank
    statement), one reviewed, one failed (a truncated PDF), one needing a password, one received and one
    processing. Reads the documents here, in the calling process, so it needs no worker. Returns what it made."""
    candidates = (
        list(leads)
        if leads is not None
        else list(Lead.objects.filter(organisation=organisation).order_by("-created_at")[:4])
    )
    made: list[Document] = []
    today = timezone.localdate()
    for index, lead in enumerate(candidates[:4]):
        name = lead.full_name or None
        samples = {
            0: [
                ("w2.pdf", one("w2", 0, seed=100 + index, name=name).pdf),
                ("paystub.pdf", one("paystub", 0, seed=200 + index, name=name, today=today).pdf),
                ("statement.pdf", one("bank_statement", 1, seed=300 + index, name=name, today=today).pdf),
            ],
            1: [("paystub.pdf", one("paystub", 2, seed=400 + index, name=name, today=today).pdf)],
            2: [
                ("w2-2024.pdf", one("w2", 0, seed=500 + index, name=name).pdf[:1500]),
                (
                    "statement-locked.pdf",
                    _locked(one("bank_statement", 2, seed=600 + index, name=name, today=today).pdf),
                ),
            ],
            3: [
                ("w2-received.pdf", one("w2", 1, seed=700 + index, name=name).pdf),
                ("stub-processing.pdf", one("paystub", 1, seed=800 + index, name=name, today=today).pdf),
            ],
        }[index]
        for file_name, data in samples:
            outcome = services.upload(
                lead, file_name=file_name, data=data, actor=actor, source=Document.Source.DEMO
            )
            made.append(outcome.document)
        documents = [document for document in made if document.lead_id == lead.pk]
        if index in (0, 1, 2):
            for document in documents:
                services.process(document.pk)
        if index == 1:
            document = Document.objects.get(pk=documents[0].pk)
            services.accept_all_pending(document, actor=actor)
            services.complete_review(document, actor=actor)
        if index == 3:
            Document.objects.filter(pk=documents[1].pk).update(
                status=Document.Status.PROCESSING, processing_started_at=timezone.now()
            )
    return made


def _locked(data: bytes) -> bytes:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(data)))
    writer.encrypt("demo1234")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
