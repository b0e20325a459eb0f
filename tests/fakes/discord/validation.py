"""Discord's documented size limits, enforced so the bot is tested against them."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .models import Json
from .responses import ApiError, field_error, invalid_form_body, max_length_error

MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_ATTACHMENTS = 10
MAX_EMBEDS_TOTAL = 6000  # characters across every embed of one message
COMPONENTS_V2 = 1 << 15
BUTTON = 2  # component type
LINK_STYLE = 5  # a button that opens its url instead of sending an interaction
MAX_BUTTON_URL = 512
_LINK_SCHEMES = ("http", "https", "discord")
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
# The locales Discord accepts as keys of name_localizations/description_localizations.
DISCORD_LOCALES = frozenset(
    [
        "id",
        "da",
        "de",
        "en-GB",
        "en-US",
        "es-ES",
        "es-419",
        "fr",
        "hr",
        "it",
        "lt",
        "hu",
        "nl",
        "no",
        "pl",
        "pt-BR",
        "ro",
        "fi",
        "sv-SE",
        "vi",
        "tr",
        "cs",
        "el",
        "bg",
        "ru",
        "uk",
        "hi",
        "th",
        "zh-CN",
        "ja",
        "zh-TW",
        "ko",
    ]
)

# (key, limit) for embed sub-fields; the total over all embeds is capped at 6000.
_EMBED_TEXT_LIMITS = (("title", 256), ("description", 4096))


_REQUIRED = field_error("BASE_TYPE_REQUIRED", "This field is required")


class _Errors:
    """Builds Discord's nested ``errors`` object from paths like ("embeds", 0, "title")."""

    def __init__(self) -> None:
        self.tree: Json = {}

    def add(self, path: tuple[str | int, ...], error: Json) -> None:
        node = self.tree
        for part in path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).extend(error["_errors"])

    def too_long(self, path: tuple[str | int, ...], value: Any, limit: int) -> None:
        if isinstance(value, (str, list)) and len(value) > limit:
            self.add(path, max_length_error(limit))

    def raise_if_any(self) -> None:
        if self.tree:
            raise invalid_form_body(self.tree)


def _check_embed(errors: _Errors, path: tuple[str | int, ...], embed: Json) -> int:
    """Checks one embed's parts; returns its size (what counts towards the 6,000)."""
    total = 0
    for key, limit in _EMBED_TEXT_LIMITS:
        value = embed.get(key) or ""
        errors.too_long((*path, key), value, limit)
        total += len(value)
    fields = embed.get("fields") or []
    errors.too_long((*path, "fields"), fields, 25)
    for index, fld in enumerate(fields):
        for key, limit in (("name", 256), ("value", 1024)):
            if not str(fld.get(key) or "").strip():
                errors.add((*path, "fields", index, key), _REQUIRED)
            errors.too_long((*path, "fields", index, key), fld.get(key, ""), limit)
        total += len(fld.get("name", "")) + len(fld.get("value", ""))
    footer = (embed.get("footer") or {}).get("text") or ""
    author = (embed.get("author") or {}).get("name") or ""
    errors.too_long((*path, "footer", "text"), footer, 2048)
    errors.too_long((*path, "author", "name"), author, 256)
    return total + len(footer) + len(author)


def _check_component(errors: _Errors, path: tuple[str | int, ...], component: Json) -> None:
    errors.too_long((*path, "custom_id"), component.get("custom_id"), 100)
    if component.get("type") == BUTTON:
        _check_button(errors, path, component)
    errors.too_long((*path, "label"), component.get("label"), 80)
    errors.too_long((*path, "options"), component.get("options"), 25)
    for index, child in enumerate(component.get("components") or []):
        _check_component(errors, (*path, "components", index), child)
    if isinstance(component.get("component"), dict):
        _check_component(errors, (*path, "component"), component["component"])


def _check_button(errors: _Errors, path: tuple[str | int, ...], button: Json) -> None:
    """A link button has a url and no custom_id; every other style the reverse.

    The rule and "A url is required" are Discord's; the other error codes are guesses.
    """
    url, custom_id = button.get("url"), button.get("custom_id")
    if button.get("style") != LINK_STYLE:
        if not custom_id:
            errors.add((*path, "custom_id"), _REQUIRED)
        if url is not None:
            errors.add(
                (*path, "url"),
                field_error("BUTTON_URL_NOT_ALLOWED", "Only link buttons have a url"),
            )
        return
    if custom_id is not None:
        message = "A link button cannot have a custom_id"
        errors.add((*path, "custom_id"), field_error("BUTTON_CUSTOM_ID_NOT_ALLOWED", message))
    if not url:
        errors.add((*path, "url"), field_error("BASE_TYPE_REQUIRED", "A url is required"))
    elif urlsplit(str(url)).scheme not in _LINK_SCHEMES:
        message = f"Scheme {urlsplit(str(url)).scheme!r} is not supported"
        errors.add((*path, "url"), field_error("URL_TYPE_INVALID_SCHEME", message))
    errors.too_long((*path, "url"), url, MAX_BUTTON_URL)


def validate_message(payload: Json, attachment_count: int, *, require_body: bool = True) -> None:
    """Raises the ApiError Discord answers for an invalid message create/edit payload."""
    errors = _Errors()
    errors.too_long(("content",), payload.get("content"), MAX_CONTENT)
    embeds = payload.get("embeds") or []
    errors.too_long(("embeds",), embeds, MAX_EMBEDS)
    size = sum(_check_embed(errors, ("embeds", index), embed) for index, embed in enumerate(embeds))
    if size > MAX_EMBEDS_TOTAL:
        # Discord counts all embeds of a message together, and names none of them.
        message = f"Embed size exceeds maximum size of {MAX_EMBEDS_TOTAL}"
        errors.add(("embeds",), field_error("MAX_EMBED_SIZE_EXCEEDED", message))
    components = payload.get("components") or []
    if not int(payload.get("flags") or 0) & COMPONENTS_V2:
        errors.too_long(("components",), components, 5)
        for index, row in enumerate(components):
            errors.too_long(("components", index, "components"), row.get("components"), 5)
    for index, component in enumerate(components):
        _check_component(errors, ("components", index), component)
    if attachment_count > MAX_ATTACHMENTS:
        errors.add(("attachments",), max_length_error(MAX_ATTACHMENTS))
    errors.raise_if_any()
    if require_body and not (
        payload.get("content")
        or embeds
        or components
        or attachment_count
        or payload.get("sticker_ids")
        or payload.get("poll")
    ):
        raise ApiError(400, 50006, "Cannot send an empty message")


def validate_modal(data: Json) -> None:
    errors = _Errors()
    if not data.get("title"):
        errors.add(("data", "title"), _REQUIRED)
    errors.too_long(("data", "title"), data.get("title"), 45)
    errors.too_long(("data", "custom_id"), data.get("custom_id"), 100)
    components = data.get("components") or []
    errors.too_long(("data", "components"), components, 5)
    for index, component in enumerate(components):
        _check_modal_component(errors, ("data", "components", index), component)
    errors.raise_if_any()


def _check_modal_component(errors: _Errors, path: tuple[str | int, ...], component: Json) -> None:
    if component.get("type") == 1:
        for index, child in enumerate(component.get("components") or []):
            _check_modal_component(errors, (*path, "components", index), child)
        return
    if component.get("type") == 18:
        errors.too_long((*path, "label"), component.get("label"), 45)
        errors.too_long((*path, "description"), component.get("description"), 100)
        _check_modal_component(errors, (*path, "component"), component.get("component") or {})
        return
    errors.too_long((*path, "custom_id"), component.get("custom_id"), 100)
    errors.too_long((*path, "label"), component.get("label"), 45)
    errors.too_long((*path, "placeholder"), component.get("placeholder"), 100)
    errors.too_long((*path, "value"), component.get("value"), 4000)
    for key in ("min_length", "max_length"):
        if int(component.get(key) or 0) > 4000:
            errors.add((*path, key), field_error("NUMBER_TYPE_MAX", "int value should be <= 4000."))
    errors.too_long((*path, "options"), component.get("options"), 25)


def validate_commands(commands: list[Json]) -> None:
    errors = _Errors()
    for index, command in enumerate(commands):
        name = str(command.get("name", ""))
        chat_input = command.get("type", 1) == 1
        _check_name(errors, (index, "name"), name, lowercase=chat_input)
        if chat_input:
            description = command.get("description") or ""
            if not 1 <= len(description) <= 100:
                errors.add((index, "description"), max_length_error(100))
        _check_localizations(errors, (index,), command, lowercase=chat_input)
        _check_options(errors, (index,), command.get("options") or [])
    errors.raise_if_any()


def _check_options(errors: _Errors, path: tuple[str | int, ...], options: list[Json]) -> None:
    errors.too_long((*path, "options"), options, 25)
    for index, option in enumerate(options):
        here = (*path, "options", index)
        _check_name(errors, (*here, "name"), str(option.get("name", "")), lowercase=True)
        errors.too_long((*here, "description"), option.get("description"), 100)
        _check_localizations(errors, here, option, lowercase=True)
        choices = option.get("choices") or []
        errors.too_long((*here, "choices"), choices, 25)
        for c_index, choice in enumerate(choices):
            errors.too_long((*here, "choices", c_index, "name"), choice.get("name"), 100)
            errors.too_long((*here, "choices", c_index, "value"), choice.get("value"), 100)
        _check_options(errors, here, option.get("options") or [])


def _check_name(
    errors: _Errors, path: tuple[str | int, ...], name: str, *, lowercase: bool
) -> None:
    """A command or option name: 1-32 letters, digits, - or _; lowercase for slash commands."""
    if not COMMAND_NAME.match(name) or (lowercase and name != name.lower()):
        errors.add(path, field_error("APPLICATION_COMMAND_INVALID_NAME", "Bad name"))


def _check_localizations(
    errors: _Errors, path: tuple[str | int, ...], entry: Json, *, lowercase: bool
) -> None:
    """Translated names follow the name's rules, translated descriptions 1-100 characters."""
    names = entry.get("name_localizations") or {}
    descriptions = entry.get("description_localizations") or {}
    for key, values in (("name_localizations", names), ("description_localizations", descriptions)):
        for locale in values:
            if locale not in DISCORD_LOCALES:
                errors.add((*path, key, locale), field_error("LOCALE_INVALID", "Invalid locale"))
    for locale, name in names.items():
        _check_name(errors, (*path, "name_localizations", locale), str(name), lowercase=lowercase)
    for locale, description in descriptions.items():
        if not 1 <= len(str(description)) <= 100:
            errors.add((*path, "description_localizations", locale), max_length_error(100))
