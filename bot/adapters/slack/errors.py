"""Map Slack Web API failures to delivery outcomes the scheduler understands.

The important split is between "never again" (the channel is gone, we were removed, the token
was revoked) and "later" (rate limits, Slack having a bad minute). Getting it wrong either loses
reminders or turns one broken channel into a retry storm.
"""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.core.ports import DeliveryResult, DeliveryStatus
from bot.core.retry_after import parse_retry_after

AUTH_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "no_permission",
        "missing_scope",
        "team_access_not_granted",
    }
)
_NOT_FOUND = frozenset({"channel_not_found", "user_not_found", "user_disabled"})
_DM_CLOSED = frozenset({"cannot_dm_bot", "messages_tab_disabled", "user_not_visible"})
# chat.postMessage refusing the message itself (api.slack.com/methods/chat.postMessage): the
# channel is fine, so blaming its permissions (and pausing the schedule) would be wrong.
_REJECTED = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "too_many_attachments",
        "invalid_attachments",
        "invalid_arguments",
        "invalid_metadata_format",
        "metadata_too_large",
    }
)
_RETRY = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    }
)

NETWORK_ERRORS: tuple[type[BaseException], ...] = (aiohttp.ClientError, asyncio.TimeoutError)


def api_error(exc: SlackApiError) -> str:
    data = exc.response.data if exc.response is not None else None
    if isinstance(data, dict):
        return str(data.get("error") or "unknown_error")
    return "unknown_error"


def is_auth_error(exc: SlackApiError) -> bool:
    return api_error(exc) in AUTH_ERRORS


def to_result(exc: SlackApiError) -> DeliveryResult:
    code = api_error(exc)
    status = exc.response.status_code if exc.response is not None else 0
    if status == 429 or code in _RETRY or status >= 500:
        headers = exc.response.headers if exc.response is not None else {}
        wait = headers.get("Retry-After") or headers.get("retry-after")
        return DeliveryResult(DeliveryStatus.RETRY, detail=code,
                              retry_after=parse_retry_after(wait))
    if code in _NOT_FOUND:
        return DeliveryResult(DeliveryStatus.NOT_FOUND, detail=code)
    if code in _DM_CLOSED:
        return DeliveryResult(DeliveryStatus.DM_CLOSED, detail=code)
    if code in _REJECTED:
        return DeliveryResult(DeliveryStatus.REJECTED, detail=code)
    # Everything else refuses for good: removed from or archived channels (not_in_channel,
    # is_archived, restricted_action...), auth errors, and any error we do not know, which is
    # refused rather than retried forever.
    return DeliveryResult(DeliveryStatus.FORBIDDEN, detail=code)


def channel_reason(code: str) -> str:
    """What a person can do about a channel the bot cannot post in."""
    if code == "not_in_channel":
        return "I'm not in that channel yet: invite me with `/invite @deskbreak` and try again."
    if code in ("is_archived", "channel_is_archived"):
        return "That channel is archived, so I can't post there."
    if code == "channel_not_found":
        return "I can't see that channel. If it is private, invite me to it first."
    if code in AUTH_ERRORS:
        return "Slack rejected my credentials; ask the operator to check the bot token."
    return f"Slack refused to let me post there ({code})."
