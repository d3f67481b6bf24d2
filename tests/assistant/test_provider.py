"""The optional model provider, against a local stand-in speaking the same chat-completions API: identifiers are
redacted before anything leaves, every exchange is kept, and a 500 or a hang falls back to the template at once."""

import pytest

from firstcall.assistant.engine.redaction import redact
from firstcall.assistant.models import AssistantSettings, Draft, ProviderExchange
from firstcall.assistant.standin.chat_server import StandinChatServer

pytestmark = pytest.mark.usefixtures("at_monday_lunch")


@pytest.fixture
def provider(settings, organisation):
    server = StandinChatServer().start()
    settings.ASSISTANT_PROVIDER_URL = server.base_url
    settings.ASSISTANT_PROVIDER_MODEL = "local-test-model"
    settings.ASSISTANT_PROVIDER_KEY = "sk-test"
    settings.ASSISTANT_PROVIDER_TIMEOUT = 0.5
    AssistantSettings.objects.create(organisation=organisation, provider_enabled=True)
    yield server
    server.stop()


def test_redaction_removes_identifiers():
    text = "My SSN is 123-45-6789, DOB 01/02/1980, account 1234567890123, I live at 4512 N Oak Street Apt 3"
    cleaned = redact(text)
    for secret in ("123-45-6789", "01/02/1980", "1234567890123", "4512 N Oak Street"):
        assert secret not in cleaned
    assert "[SSN]" in cleaned and "[STREET ADDRESS]" in cleaned


def test_the_provider_writes_the_draft_and_the_exchange_is_kept_redacted(lead, provider, borrower_says):
    provider.reply = "Hi Ana! Happy to call you tomorrow after 5. - Olivia"
    borrower_says("call me tomorrow after 5, my ssn is 123-45-6789")
    draft = Draft.objects.get(lead=lead)
    assert draft.origin == Draft.Origin.PROVIDER
    assert draft.body == provider.reply
    sent = provider.requests[0]
    assert sent["authorization"] == "Bearer sk-test"
    assert "123-45-6789" not in str(sent["body"])
    assert lead.email not in str(sent["body"]) and lead.phone not in str(sent["body"])
    exchange = ProviderExchange.objects.get(draft=draft)
    assert exchange.status == "ok"
    assert "123-45-6789" not in str(exchange.request)


@pytest.mark.parametrize("mode", ["error", "hang"])
def test_a_failing_or_hanging_provider_falls_back_to_the_template(lead, provider, borrower_says, mode):
    provider.mode = mode
    borrower_says("call me tomorrow after 5")
    draft = Draft.objects.get(lead=lead)
    assert draft.origin == Draft.Origin.TEMPLATE
    assert draft.body.startswith("Hi Ana, this is Olivia Reyes.")
    exchange = ProviderExchange.objects.get(draft=draft)
    assert exchange.status == ("error" if mode == "error" else "timeout")
    assert exchange.latency_ms < 5000


def test_a_provider_draft_that_invents_figures_is_blocked(lead, provider, borrower_says):
    provider.reply = "Hi Ana, you qualify for $450,000 at 5.9%! - Olivia"
    borrower_says("how much can I get?")
    draft = Draft.objects.get(lead=lead)
    assert draft.status == Draft.Status.BLOCKED
