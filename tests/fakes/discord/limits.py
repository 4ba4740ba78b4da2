"""Discord's documented payload limits, checked the way Discord checks them.

Without these the fake would store a 2,001-character message or a 26th embed field that real
Discord refuses with ``400 Invalid Form Body`` (code 50035), so a renderer that stopped trimming
would still pass every test. Each check returns Discord's nested ``errors`` object (empty when the
payload is fine): keys follow the JSON path (``embeds`` -> ``"0"`` -> ``title``) and each leaf holds
``{"_errors": [{"code": ..., "message": ...}]}``, the shape discord.py flattens into its
``HTTPException`` text.
"""

from __future__ import annotations

from typing import Any

Errors = dict[str, Any]

# Message create / execute webhook / edit message:
# https://discord.com/developers/docs/resources/message#create-message (content "up to 2000
# characters", "up to 10 rich embeds", nonce "up to 25 characters"; confirmed with
# https://discord-api-types.dev/api/discord-api-types-v9/interface/RESTPostAPIChannelMessageJSONBody
# and https://pub.dev/documentation/nyxx/latest/nyxx/MessageBuilder/nonce.html).
MAX_CONTENT = 2000
MAX_EMBEDS = 10
MAX_NONCE = 25

# Embed limits: https://discord.com/developers/docs/resources/message#embed-object-embed-limits
# (confirmed with https://sapphirejs.dev/docs/Documentation/api-utilities/@sapphire/discord-utilities/variables/EmbedLimits
# and https://javacord.org/wiki/basic-tutorials/embeds.html). The 6000 total counts title,
# description, field names and values, footer text and author name across ALL embeds of a message.
MAX_EMBED_TITLE = 256
MAX_EMBED_DESCRIPTION = 4096
MAX_EMBED_FIELDS = 25
MAX_FIELD_NAME = 256
MAX_FIELD_VALUE = 1024
MAX_FOOTER_TEXT = 2048
MAX_AUTHOR_NAME = 256
MAX_EMBEDS_TOTAL = 6000

# Components: https://discord.com/developers/docs/components/reference#action-row and #button
# (5 action rows per message, 5 buttons per row, label max 80, custom_id max 100 and unique per
# message; confirmed with https://sapphirejs.dev/docs/Documentation/api-utilities/@sapphire/discord-utilities/variables/ButtonLimits
# and https://github.com/DSharpPlus/DSharpPlus/blob/master/docs/articles/advanced_topics/buttons.md).
MAX_ACTION_ROWS = 5
MAX_ROW_COMPONENTS = 5
MAX_BUTTON_LABEL = 80
MAX_CUSTOM_ID = 100
ACTION_ROW = 1

# Autocomplete result (callback type 8): https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-autocomplete
# ("max of 25 choices"); choice name 1-100 characters, string value up to 100:
# https://discord.com/developers/docs/interactions/application-commands#application-command-object-application-command-option-choice-structure
# (confirmed with https://sapphirejs.dev/docs/Documentation/api-utilities/@sapphire/discord-utilities/variables/AutoCompleteLimits).
MAX_CHOICES = 25
MAX_CHOICE_NAME = 100
MAX_CHOICE_VALUE = 100

# Callback types whose ``data`` is a message (4 CHANNEL_MESSAGE_WITH_SOURCE, 7 UPDATE_MESSAGE).
MESSAGE_CALLBACKS = (4, 7)
AUTOCOMPLETE_RESULT = 8


def _leaf(code: str, message: str) -> Errors:
    return {"_errors": [{"code": code, "message": message}]}


def _too_long(limit: int) -> Errors:
    return _leaf("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _bad_length(low: int, high: int) -> Errors:
    return _leaf("BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _check_len(errors: Errors, key: str, value: Any, limit: int) -> None:
    if isinstance(value, str) and len(value) > limit:
        errors[key] = _too_long(limit)


def _embed_errors(embed: dict[str, Any]) -> tuple[Errors, int]:
    """One embed's errors and the characters it adds to the message's 6000 total."""
    errors: Errors = {}
    title, description = _text(embed.get("title")), _text(embed.get("description"))
    _check_len(errors, "title", title, MAX_EMBED_TITLE)
    _check_len(errors, "description", description, MAX_EMBED_DESCRIPTION)
    size = len(title) + len(description)
    fields = embed.get("fields") or []
    if len(fields) > MAX_EMBED_FIELDS:
        errors["fields"] = _too_long(MAX_EMBED_FIELDS)
    for i, fld in enumerate(fields):
        name, value = _text(fld.get("name")), _text(fld.get("value"))
        field_errors: Errors = {}
        _check_len(field_errors, "name", name, MAX_FIELD_NAME)
        _check_len(field_errors, "value", value, MAX_FIELD_VALUE)
        if field_errors:
            errors.setdefault("fields", {})[str(i)] = field_errors
        size += len(name) + len(value)
    footer = _text((embed.get("footer") or {}).get("text"))
    if len(footer) > MAX_FOOTER_TEXT:
        errors["footer"] = {"text": _too_long(MAX_FOOTER_TEXT)}
    author = _text((embed.get("author") or {}).get("name"))
    if len(author) > MAX_AUTHOR_NAME:
        errors["author"] = {"name": _too_long(MAX_AUTHOR_NAME)}
    return errors, size + len(footer) + len(author)


def _component_errors(rows: list[dict[str, Any]]) -> Errors:
    errors: Errors = {}
    if len(rows) > MAX_ACTION_ROWS:
        return _bad_length(1, MAX_ACTION_ROWS)
    seen: set[str] = set()
    for r, row in enumerate(rows):
        row_errors: Errors = {}
        children = (row.get("components") or []) if row.get("type") == ACTION_ROW else []
        if len(children) > MAX_ROW_COMPONENTS:
            row_errors["components"] = _bad_length(1, MAX_ROW_COMPONENTS)
        for c, child in enumerate(children):
            child_errors: Errors = {}
            _check_len(child_errors, "label", child.get("label"), MAX_BUTTON_LABEL)
            custom_id = child.get("custom_id")
            _check_len(child_errors, "custom_id", custom_id, MAX_CUSTOM_ID)
            if isinstance(custom_id, str):
                if custom_id in seen:
                    child_errors["custom_id"] = _leaf(
                        "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"
                    )
                seen.add(custom_id)
            if child_errors:
                row_errors.setdefault("components", {})[str(c)] = child_errors
        if row_errors:
            errors[str(r)] = row_errors
    return errors


def message_errors(body: dict[str, Any]) -> Errors:
    """Errors in a message body (create, follow-up, edit, or a type 4/7 callback's ``data``)."""
    errors: Errors = {}
    _check_len(errors, "content", body.get("content"), MAX_CONTENT)
    _check_len(errors, "nonce", body.get("nonce"), MAX_NONCE)
    embeds = body.get("embeds") or []
    if len(embeds) > MAX_EMBEDS:
        errors["embeds"] = _too_long(MAX_EMBEDS)
    else:
        total = 0
        for i, embed in enumerate(embeds):
            embed_errors, size = _embed_errors(embed)
            total += size
            if embed_errors:
                errors.setdefault("embeds", {})[str(i)] = embed_errors
        if total > MAX_EMBEDS_TOTAL:
            errors.setdefault("embeds", {}).update(_leaf(
                "MAX_EMBED_SIZE_EXCEEDED", f"Embed size exceeds maximum size of {MAX_EMBEDS_TOTAL}"
            ))
    component_errors = _component_errors(body.get("components") or [])
    if component_errors:
        errors["components"] = component_errors
    return errors


def autocomplete_errors(data: dict[str, Any]) -> Errors:
    """Errors in an autocomplete result's ``data`` (``choices``)."""
    choices = data.get("choices") or []
    if len(choices) > MAX_CHOICES:
        return {"choices": _too_long(MAX_CHOICES)}
    errors: Errors = {}
    for i, choice in enumerate(choices):
        choice_errors: Errors = {}
        name = choice.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= MAX_CHOICE_NAME:
            choice_errors["name"] = _bad_length(1, MAX_CHOICE_NAME)
        _check_len(choice_errors, "value", choice.get("value"), MAX_CHOICE_VALUE)
        if choice_errors:
            errors.setdefault("choices", {})[str(i)] = choice_errors
    return errors


def callback_errors(body: dict[str, Any]) -> Errors:
    """Errors in an interaction callback body, nested under ``data`` as Discord reports them."""
    kind = body.get("type")
    data = body.get("data") or {}
    if kind in MESSAGE_CALLBACKS:
        found = message_errors(data)
    elif kind == AUTOCOMPLETE_RESULT:
        found = autocomplete_errors(data)
    else:
        found = {}
    return {"data": found} if found else {}
