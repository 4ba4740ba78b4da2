"""Build the one Web API client the Slack adapter uses.

The SDK retries only connection errors by default; a 429 would surface as an error and a
naive caller would hammer Slack again. :class:`RateLimitRetryHandler` waits out ``Retry-After``
once (through an injected ``sleep`` so tests need not wait) and gives up when Slack asks for a
longer pause than a request should block for; the caller then reports RETRY with the delay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.retry_after import parse_retry_after

Sleep = Callable[[float], Awaitable[None]]

DEFAULT_BASE_URL = AsyncWebClient.BASE_URL
# Beyond this, blocking the request is worse than handing the delay back to the scheduler.
MAX_INLINE_WAIT_SECONDS = 30.0
# Methods whose 429s the notifier retries itself, through its pacer (notifier._post).
PACED_METHODS = ("/chat.postMessage",)


def retry_after(response: HttpResponse | None) -> float | None:
    if response is None:
        return None
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            return parse_retry_after(values[0])
    return None


class RateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """Honours ``Retry-After`` on 429 with an injectable sleep and a cap on the wait."""

    def __init__(
        self,
        max_retry_count: int = 1,
        *,
        sleep: Sleep = asyncio.sleep,
        max_wait: float = MAX_INLINE_WAIT_SECONDS,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep
        self._max_wait = max_wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        if request.url.endswith(PACED_METHODS):
            return False  # the notifier retries these through its pacer
        wait = retry_after(response)
        return wait is None or wait <= self._max_wait

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = retry_after(response)
        await self._sleep(1.0 if wait is None else wait)
        state.increment_current_attempt()


def build_web_client(
    token: str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    sleep: Sleep = asyncio.sleep,
) -> AsyncWebClient:
    """The app's single AsyncWebClient; Bolt copies its base_url and retry handlers per request."""
    if not base_url.endswith("/"):
        base_url += "/"
    handlers: list[AsyncRetryHandler] = [
        AsyncConnectionErrorRetryHandler(),
        RateLimitRetryHandler(sleep=sleep),
    ]
    return AsyncWebClient(token=token, base_url=base_url, retry_handlers=handlers)


def open_session(client: AsyncWebClient) -> None:
    """Give ``client`` one HTTP session (and its kept-alive connections) for every call,
    made inside the running loop. Without one the SDK opens a session, and a TCP connection,
    per call: at a fan-out's hundred posts a second that is most of the client's CPU, and the
    uneven connect times bunch posts up that the pacer had spaced out. The SDK falls back to
    a session per call whenever it is closed."""
    if client.session is None or client.session.closed:
        client.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=client.timeout))


async def close_session(client: AsyncWebClient) -> None:
    session, client.session = client.session, None
    if session is not None:
        await session.close()
