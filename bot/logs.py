"""What may reach the log: no secret, no token in a URL, no member's words.

Two lines of defence, installed by ``python -m bot``:

- the libraries that dump whole payloads at DEBUG (discord.py's REST and
  webhook calls carry members' prompts and interaction tokens; aiosqlite logs
  every SQL statement with its parameters, prompts and callback tokens among
  them) are held at INFO, whatever ``log_level`` says;
- every record, at every level, passes ``Redactor``: the configured secrets
  and the tokens inside Discord webhook / interaction URLs and the bot's
  ``/callbacks/<job>/<token>`` paths become ``<redacted>`` (a rate-limit
  warning, for one, names the full URL).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from bot.config import Settings
from bot.providers.settings import HttpProviderSettings

REDACTED = "<redacted>"
# The least level of loggers that write request and response bodies, SQL
# parameters or vendor URLs (httpx names every request URL at INFO).
QUIET_LOGGERS = {
    "discord.http": logging.INFO,
    "discord.webhook": logging.INFO,
    "aiosqlite": logging.INFO,
    "httpcore": logging.INFO,
    "discord.gateway": logging.WARNING,
    "httpx": logging.WARNING,
}
_MIN_SECRET = 4  # shorter values would mangle ordinary words
_TOKEN_IN_PATH = re.compile(
    r"(?P<keep>/(?:webhooks|interactions)/\d+/|/callbacks/[^/\s'\"]+/)[^/\s?#'\"]+"
)
# discord.py warns once per missing optional voice library; the bot has no voice feature.
_VOICE_WARNING = "voice will NOT be supported"


def install(settings: Settings) -> None:
    """Filter every handler of the root logger and quieten the payload dumpers."""
    redactor = Redactor(known_secrets(settings))
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    for name, level in QUIET_LOGGERS.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(level, logger.getEffectiveLevel()))
    logging.getLogger("discord.client").addFilter(_no_voice_warning)


def known_secrets(settings: Settings) -> list[str]:
    """The bot token, and each vendor's key and webhook secret."""
    values = [settings.discord.token]
    for entry in settings.providers:
        if isinstance(entry, HttpProviderSettings):
            values += [entry.api_key, entry.webhook_secret]
    return [v.get_secret_value() for v in values if v.get_secret_value()]


class Redactor(logging.Filter):
    """Rewrites a record's text so that no known secret or URL token is left in it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first: a secret containing another is replaced whole.
        self._secrets = sorted((s for s in secrets if len(s) >= _MIN_SECRET), key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_IN_PATH.sub(rf"\g<keep>{REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            # Formatted here, once, so that the handler prints the redacted copy.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _no_voice_warning(record: logging.LogRecord) -> bool:
    return _VOICE_WARNING not in str(record.msg)
