"""An optional OpenAI-compatible chat-completions provider for drafts. Off unless an organisation turns it on and
the operator sets FIRSTCALL_ASSISTANT_PROVIDER_URL (and _MODEL, _KEY). Only the first name, the loan officer's
name, the loan purpose, the booking link and the borrower's message, with identifiers redacted, leave the machine;
every request and answer is kept for audit. Any failure returns None at once and the template draft is used."""

import time
from dataclasses import dataclass

import httpx
from django.conf import settings

from firstcall.assistant.engine.drafting import DraftFacts
from firstcall.assistant.engine.redaction import redact

SYSTEM_PROMPT = (
    "You draft short, warm text-message replies for a licensed mortgage loan officer. Reply in the borrower's "
    "language. Never quote rates, payments, fees or approval; never promise anything; use no figures; at most "
    "two sentences; sign with the loan officer's first name."
)


@dataclass(frozen=True)
class ProviderAnswer:
    text: str | None
    status: str  # ok, error, timeout, off
    request: dict
    response: str
    latency_ms: int


def is_configured() -> bool:
    return bool(getattr(settings, "ASSISTANT_PROVIDER_URL", ""))


def build_request(intent: str, borrower_text: str, facts: DraftFacts) -> dict:
    context = (
        f"Borrower first name: {facts.first_name or 'unknown'}. Loan officer: {facts.officer_name}. "
        f"Loan purpose: {facts.purpose or 'unknown'}. Booking link: {facts.booking_link or 'none'}. "
        f"What the borrower means: {intent.replace('_', ' ')}. Language: {facts.language}."
    )
    return {
        "model": settings.ASSISTANT_PROVIDER_MODEL,
        "temperature": 0.3,
        "max_tokens": 160,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"{context}\nBorrower's message: {redact(borrower_text)}"},
        ],
    }


def draft_with_provider(intent: str, borrower_text: str, facts: DraftFacts) -> ProviderAnswer:
    request = build_request(intent, borrower_text, facts)
    started = time.monotonic()
    headers = (
        {"Authorization": f"Bearer {settings.ASSISTANT_PROVIDER_KEY}"}
        if settings.ASSISTANT_PROVIDER_KEY
        else {}
    )
    url = settings.ASSISTANT_PROVIDER_URL.rstrip("/") + "/chat/completions"

    def answer(text, status, body):
        return ProviderAnswer(text, status, request, body[:4000], int((time.monotonic() - started) * 1000))

    try:
        response = httpx.post(
            url,
            json=request,
            headers=headers,
            timeout=settings.ASSISTANT_PROVIDER_TIMEOUT,
            follow_redirects=False,
        )
    except httpx.TimeoutException:
        return answer(None, "timeout", "")
    except httpx.HTTPError as error:
        return answer(None, "error", type(error).__name__)
    if response.status_code != 200:
        return answer(None, "error", f"HTTP {response.status_code}: {response.text[:500]}")
    try:
        text = response.json()["choices"][0]["message"]["content"].strip()
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return answer(None, "error", response.text)
    return answer(text or None, "ok" if text else "error", response.text)
