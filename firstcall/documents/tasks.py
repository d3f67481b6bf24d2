"""Background tasks (Django Tasks API): documents are read here, never in a web request."""

from django_tasks import task

from firstcall.documents import services


@task()
def read_document_task(document_id: int) -> str:
    return services.process(document_id)
