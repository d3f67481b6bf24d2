"""Documents on S3-compatible storage (django-storages' S3 backend) against a local S3-speaking stand-in, moto's
server mode on a real HTTP port: the bucket only ever holds ciphertext, files read back, duplicates are
recognised and key rotation re-encrypts the objects. Skipped where the optional `s3` extra is not installed."""

import io

import pytest
from django.core.management import call_command

boto3 = pytest.importorskip("boto3")
pytest.importorskip("storages.backends.s3")
moto_server = pytest.importorskip("moto.server")

from firstcall.documents import services, storage  # noqa: E402
from firstcall.documents.corpus.generate import one  # noqa: E402
from firstcall.documents.models import Document  # noqa: E402
from tests.outside_services import tampa_borrower  # noqa: E402

BUCKET = "firstcall-documents-test"


@pytest.fixture(scope="module")
def s3_endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.DOCUMENT_ENCRYPTION_KEY = "test-document-key"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "default_acl": "private",
                "querystring_auth": True,
            },
        },
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def test_documents_go_to_the_bucket_encrypted_read_back_and_rotate(bucket, organisation, owner, settings):
    lead = tampa_borrower(organisation, owner=owner, first_name="Dana", last_name="Whitfield")
    data = one("w2", 0, seed=12).pdf
    outcome = services.upload(lead, file_name="w2.pdf", data=data, actor=owner)
    document = outcome.document
    assert type(storage.backend()).__name__ == "S3Storage"

    objects = bucket.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert [item["Key"] for item in objects] == [document.storage_name]
    blob = bucket.get_object(Bucket=BUCKET, Key=document.storage_name)["Body"].read()
    assert blob[:4] == b"FCD1" and b"%PDF" not in blob and b"Wage and Tax" not in blob
    assert services.read_stored(document) == data
    assert services.upload(lead, file_name="again.pdf", data=data, actor=owner).duplicate

    settings.DOCUMENT_ENCRYPTION_KEY = "the-new-key"
    settings.DOCUMENT_PREVIOUS_ENCRYPTION_KEYS = "test-document-key"
    out = io.StringIO()
    call_command("rotate_document_key", stdout=out)
    assert "re-encrypted 1 document(s)" in out.getvalue()
    document.refresh_from_db()
    assert document.key_id == storage.current_key_id()
    rotated = bucket.get_object(Bucket=BUCKET, Key=document.storage_name)["Body"].read()
    assert rotated[4:12] == storage.key_id("the-new-key") != blob[4:12]
    settings.DOCUMENT_PREVIOUS_ENCRYPTION_KEYS = ""
    assert services.read_stored(Document.objects.get(pk=document.pk)) == data
