"""Email through Django's email backend (real SMTP in production; settings EMAIL_HOST, EMAIL_PORT, ...).

SMTP has no idempotency key, so the Message-ID is derived from ours: a retry after an ambiguous failure
carries the same Message-ID, which lets receiving systems and our own logs recognise the duplicate."""

import hashlib
import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from firstcall.messaging.providers.base import (
    PermanentProviderError,
    Provider,
    ProviderResult,
    TransientProviderError,
)
from firstcall.messaging.unsubscribe import unsubscribe_url_for


def message_id_for(message) -> str:
    digest = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:40]
    sender = parseaddr(message.from_address or settings.DEFAULT_FROM_EMAIL)[1]
    domain = sender.rpartition("@")[2] or "firstcall.invalid"
    return f"<{digest}@{domain}>"


def _classify(code: int, text: str, *, recipient: bool = False):
    if 500 <= code < 600:
        # A 5xx about the recipient (550 no such user) is a hard bounce: stop mailing the address.
        return PermanentProviderError(f"SMTP {code}: {text}", code=code, suppress_address=recipient)
    return TransientProviderError(f"SMTP {code}: {text}", code=code)


def _text(raw) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


class SmtpEmailProvider(Provider):
    name = "smtp"

    def send(self, message) -> ProviderResult:
        headers = {"Message-ID": message_id_for(message)}
        if message.is_marketing:
            # RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click" to the URL.
            headers["List-Unsubscribe"] = f"<{unsubscribe_url_for(message)}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=message.from_address or settings.DEFAULT_FROM_EMAIL,
            to=[message.to_address],
            headers=headers,
            connection=get_connection(fail_silently=False),
        )
        if message.html_body:
            email.attach_alternative(message.html_body, "text/html")
        for attachment in message.attachments or []:
            email.attach(attachment["filename"], attachment["content"], attachment["content_type"])
        try:
            email.send()
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()), (550, b"recipient refused"))
            raise _classify(code, _text(text), recipient=True) from error
        except smtplib.SMTPAuthenticationError as error:
            # Our credentials, not the recipient: keep the message and retry once an operator fixes them.
            raise TransientProviderError(
                f"SMTP authentication failed ({error.smtp_code})", code=error.smtp_code
            ) from error
        except smtplib.SMTPResponseException as error:
            raise _classify(error.smtp_code, _text(error.smtp_error)) from error
        except (smtplib.SMTPException, OSError) as error:
            raise TransientProviderError(f"SMTP connection problem: {type(error).__name__}") from error
        return ProviderResult(provider_message_id=headers["Message-ID"].strip("<>"))
