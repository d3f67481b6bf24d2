"""Every API operation with generated valid and invalid input (schemathesis, from the published OpenAPI
schema): never a server error. Runs on PostgreSQL (CI's PostgreSQL pass), with a bounded number of examples per
operation so the run stays within minutes."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings

from firstcall.accounts.models import ApiKey
from firstcall.accounts.services import create_api_key
from tests.conftest import only_postgres

MAX_EXAMPLES = 25
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def every_scope_key(organisation, api_source):
    _, raw = create_api_key(
        organisation, name="Fuzzing", scopes=sorted(ApiKey.KNOWN_SCOPES), lead_source=api_source
    )
    return raw


@only_postgres
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_answers_with_a_server_error(case, every_scope_key):
    response = case.call(headers={"X-Api-Key": every_scope_key})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:500]}"
    )
