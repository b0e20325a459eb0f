"""Links to vendor URLs that are safe to show: https, short, and unable to break out of markdown.

A vendor's URL is untrusted text. Put raw in ``[label](url)`` a ``)`` ends the
link early and whatever follows is rendered as markdown of its own (a fake
"Verify your account" link, say); a very long one makes Discord refuse the
whole message. Such URLs are encoded, or left out with a note.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import quote, urlsplit

from bot.i18n import N_
from bot.media.guard import public_only

MAX_URL = 512  # well under a field's 1,024, leaving room for the words around it
# Kept as they are: what a URL needs, and ``%`` so an encoded URL is not encoded twice.
# Everything else (brackets, parentheses, angle brackets, spaces, quotes, markdown
# marks such as * ` | \\, non-ASCII) is percent-encoded.
_URL_SAFE = "/:?#&=+;,%@!$-._~"
# Why a link is not shown, as in "its link is ...": msgids, translated where shown.
MISSING = N_("missing")
TOO_LONG = N_("too long to show")
NOT_HTTPS = N_("not https")
NOT_PLAIN = N_("not a plain web address")
NOT_PUBLIC = N_("not a public address")


def vetted(url: str) -> tuple[str | None, str]:
    """``(url encoded to stay one markdown link target, "")``, or ``(None, why not shown)``.

    The reason is a msgid: ``t(locale, why_not)`` says it in a language.
    """
    url = url.strip()
    if not url:
        return None, MISSING
    try:
        parts = urlsplit(url)
    except ValueError:
        return None, NOT_PLAIN
    encoded = quote(url, safe=_URL_SAFE)
    if len(encoded) > MAX_URL:
        return None, TOO_LONG
    if parts.scheme.lower() != "https":
        return None, NOT_HTTPS
    if not parts.hostname or "@" in parts.netloc:
        return None, NOT_PLAIN  # "https://discord.com@evil.example" is a trick, not a link
    if not _names_public_host(parts.hostname):
        return None, NOT_PUBLIC
    return encoded, ""


def _names_public_host(host: str) -> bool:
    """False for a literal address the bot would not fetch from (10.x, 127.x, metadata).

    A name is not resolved here: members' browsers resolve it, on their own networks.
    """
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return public_only(address)
