"""Providers behind one interface; settings.SMS_PROVIDER / EMAIL_PROVIDER choose ("demo", "twilio",
"smtp")."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from firstcall.messaging.providers.base import (
    PermanentProviderError,
    Provider,
    ProviderError,
    ProviderResult,
    TransientProviderError,
)

__all__ = [
    "PermanentProviderError",
    "Provider",
    "ProviderError",
    "ProviderResult",
    "TransientProviderError",
    "get_provider",
]


def get_provider(channel: str) -> Provider:
    if channel == "sms":
        name = settings.SMS_PROVIDER
        if name == "twilio":
            from firstcall.messaging.providers.twilio import TwilioSmsProvider

            return TwilioSmsProvider()
    elif channel == "email":
        name = settings.EMAIL_PROVIDER
        if name == "smtp":
            from firstcall.messaging.providers.smtp import SmtpEmailProvider

            return SmtpEmailProvider()
    else:
        raise ImproperlyConfigured(f"Unknown message channel {channel!r}")
    if name == "demo":
        from firstcall.messaging.providers.demo import DemoProvider

        return DemoProvider()
    raise ImproperlyConfigured(f"Unknown {channel} provider {name!r}")
