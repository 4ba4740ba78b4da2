"""The fake platforms refuse what the real APIs refuse, and accept what sits exactly at a limit.

Each case is a pair: a body at the documented limit (accepted) and the same body one past it
(refused with the platform's own error). They are posted over HTTP, so the routing, the error
shape and the "stored nowhere" rule are all checked, not just the pure check functions.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from bot.core.clock import FakeClock
from tests.fakes.discord import FakeDiscord
from tests.fakes.discord import limits as dl
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.fakes.slack import limits as sl

Body = dict[str, Any]
# A pair of builders: n -> body, called with the limit (fine) and the limit + 1 (refused).
Case = tuple[str, Callable[[int], Body], int]


def _embed(**fields: Any) -> Body:
    return {"embeds": [{"type": "rich", **fields}]}


def _buttons(rows: int, per_row: int, *, label: str = "ok", ids: Callable[[int], str] = str
             ) -> list[Body]:
    return [{"type": 1, "components": [
        {"type": 2, "style": 1, "label": label, "custom_id": ids(r * 10 + c)}
        for c in range(per_row)]} for r in range(rows)]


DISCORD_MESSAGE_CASES: list[Case] = [
    ("content", lambda n: {"content": "x" * n}, dl.MAX_CONTENT),
    ("embed count", lambda n: {"embeds": [{"title": "t"}] * n}, dl.MAX_EMBEDS),
    ("embed title", lambda n: _embed(title="x" * n), dl.MAX_EMBED_TITLE),
    ("embed description", lambda n: _embed(description="x" * n), dl.MAX_EMBED_DESCRIPTION),
    ("field count", lambda n: _embed(fields=[{"name": "n", "value": "v"}] * n),
     dl.MAX_EMBED_FIELDS),
    ("field name", lambda n: _embed(fields=[{"name": "x" * n, "value": "v"}]),
     dl.MAX_FIELD_NAME),
    ("field value", lambda n: _embed(fields=[{"name": "n", "value": "x" * n}]),
     dl.MAX_FIELD_VALUE),
    ("footer text", lambda n: _embed(footer={"text": "x" * n}), dl.MAX_FOOTER_TEXT),
    ("author name", lambda n: _embed(author={"name": "x" * n}), dl.MAX_AUTHOR_NAME),
    # Two embeds, each within its own limits, whose text together is n characters.
    ("embeds total", lambda n: {"embeds": [
        {"description": "x" * 4000},
        {"title": "x" * 200, "description": "x" * (n - 4200)}]},
     dl.MAX_EMBEDS_TOTAL),
    ("action rows", lambda n: {"components": _buttons(n, 1)}, dl.MAX_ACTION_ROWS),
    ("buttons per row", lambda n: {"components": _buttons(1, n)}, dl.MAX_ROW_COMPONENTS),
    ("button label", lambda n: {"components": _buttons(1, 1, label="x" * n)},
     dl.MAX_BUTTON_LABEL),
    ("custom_id", lambda n: {"components": _buttons(1, 1, ids=lambda i: "x" * n)},
     dl.MAX_CUSTOM_ID),
    ("nonce", lambda n: {"content": "hi", "nonce": "x" * n, "enforce_nonce": True},
     dl.MAX_NONCE),
]


def _choices(count: int, name: str = "n", value: str = "v") -> Body:
    return {"choices": [{"name": name, "value": value}] * count}


AUTOCOMPLETE_CASES: list[Case] = [
    ("choice count", lambda n: _choices(n), dl.MAX_CHOICES),
    ("choice name", lambda n: _choices(1, name="x" * n), dl.MAX_CHOICE_NAME),
    ("choice value", lambda n: _choices(1, value="x" * n), dl.MAX_CHOICE_VALUE),
]


def _section(text: str) -> Body:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _button(text: str = "ok", action_id: str = "a", value: str = "v") -> Body:
    return {"type": "actions", "elements": [
        {"type": "button", "text": {"type": "plain_text", "text": text},
         "action_id": action_id, "value": value}]}


SLACK_BLOCK_CASES: list[Case] = [
    ("block count", lambda n: {"blocks": [_section("s")] * n}, sl.MAX_BLOCKS),
    ("section text", lambda n: {"blocks": [_section("x" * n)]}, sl.MAX_SECTION_TEXT),
    ("header text", lambda n: {"blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "x" * n}}]},
     sl.MAX_HEADER_TEXT),
    ("button text", lambda n: {"blocks": [_button(text="x" * n)]}, sl.MAX_BUTTON_TEXT),
    ("action_id", lambda n: {"blocks": [_button(action_id="x" * n)]}, sl.MAX_ACTION_ID),
    ("button value", lambda n: {"blocks": [_button(value="x" * n)]}, sl.MAX_BUTTON_VALUE),
    ("block_id", lambda n: {"blocks": [{**_section("s"), "block_id": "x" * n}]},
     sl.MAX_BLOCK_ID),
]


def _ids(cases: list[Case]) -> list[str]:
    return [c[0] for c in cases]


# ---------------------------------------------------------------------------------- Discord
@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def _channel(fake: FakeDiscord) -> str:
    guild = fake.add_guild("g")
    return fake.add_channel(guild, "general").channel_id


async def _post(http: aiohttp.ClientSession, url: str, body: Body, *,
                headers: dict[str, str] | None = None) -> tuple[int, Any]:
    async with http.post(url, json=body, headers=headers) as resp:
        return resp.status, (await resp.json() if resp.status != 204 else None)


async def _create(fake: FakeDiscord, http: aiohttp.ClientSession, channel_id: str,
                  body: Body) -> tuple[int, Any]:
    return await _post(http, f"{fake.api_base}/channels/{channel_id}/messages", body,
                       headers={"Authorization": f"Bot {fake.token}"})


def _assert_invalid_form_body(status: int, answer: Any) -> None:
    assert status == 400
    assert answer["code"] == 50035 and answer["message"] == "Invalid Form Body"
    assert answer["errors"]


@pytest.mark.parametrize(("name", "build", "limit"), DISCORD_MESSAGE_CASES,
                         ids=_ids(DISCORD_MESSAGE_CASES))
async def test_discord_message_create_enforces_limit(
    discord_fake: FakeDiscord, http: aiohttp.ClientSession, name: str,
    build: Callable[[int], Body], limit: int,
) -> None:
    """A channel message at the limit is stored; one past it is a 400 and is stored nowhere."""
    channel_id = _channel(discord_fake)
    status, _ = await _create(discord_fake, http, channel_id, build(limit))
    assert status == 200, name
    status, answer = await _create(discord_fake, http, channel_id, build(limit + 1))
    _assert_invalid_form_body(status, answer)
    assert len(discord_fake.messages[channel_id]) == 1
    assert len(discord_fake.rejected) == 1 and discord_fake.rejected[0].errors == answer["errors"]


async def test_discord_duplicate_custom_id_is_refused(
    discord_fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    """Two buttons with one custom_id in a message are refused; distinct ids are fine."""
    channel_id = _channel(discord_fake)
    status, _ = await _create(discord_fake, http, channel_id, {"components": _buttons(2, 2)})
    assert status == 200
    status, answer = await _create(discord_fake, http, channel_id,
                                   {"components": _buttons(2, 2, ids=lambda i: "same")})
    _assert_invalid_form_body(status, answer)
    assert "COMPONENT_CUSTOM_ID_DUPLICATED" in str(answer["errors"])


async def test_discord_error_names_the_path(
    discord_fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    """The errors object follows the JSON path, as discord.py expects to flatten it."""
    channel_id = _channel(discord_fake)
    _, answer = await _create(discord_fake, http, channel_id,
                              _embed(fields=[{"name": "n", "value": "v"},
                                             {"name": "n", "value": "x" * 1025}]))
    assert answer["errors"] == {"embeds": {"0": {"fields": {"1": {"value": {"_errors": [
        {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 1024 or fewer in length."}]}}}}}}


def _interaction_urls(fake: FakeDiscord) -> dict[str, str]:
    return {
        "followup": f"{fake.api_base}/webhooks/{fake.application_id}/tok",
        "edit_original": f"{fake.api_base}/webhooks/{fake.application_id}/tok/messages/@original",
    }


@pytest.mark.parametrize(("name", "build", "limit"), DISCORD_MESSAGE_CASES,
                         ids=_ids(DISCORD_MESSAGE_CASES))
@pytest.mark.parametrize("callback_type", [4, 7])
async def test_discord_message_callback_enforces_limit(
    discord_fake: FakeDiscord, http: aiohttp.ClientSession, name: str,
    build: Callable[[int], Body], limit: int, callback_type: int,
) -> None:
    """A type 4/7 callback's data obeys the message limits; errors sit under ``data``."""
    url = f"{discord_fake.api_base}/interactions/1/{{}}/callback?with_response=1"
    status, answer = await _post(http, url.format("bad"),
                                 {"type": callback_type, "data": build(limit + 1)})
    _assert_invalid_form_body(status, answer)
    assert set(answer["errors"]) == {"data"}
    assert "bad" not in discord_fake.callbacks  # refused: the interaction is not acknowledged
    status, _ = await _post(http, url.format("good"),
                            {"type": callback_type, "data": build(limit)})
    assert status == 200, name
    assert discord_fake.callbacks["good"].type == callback_type


@pytest.mark.parametrize(("name", "build", "limit"), DISCORD_MESSAGE_CASES,
                         ids=_ids(DISCORD_MESSAGE_CASES))
@pytest.mark.parametrize("route", ["followup", "edit_original"])
async def test_discord_webhook_message_enforces_limit(
    discord_fake: FakeDiscord, http: aiohttp.ClientSession, name: str,
    build: Callable[[int], Body], limit: int, route: str,
) -> None:
    """Follow-ups and @original edits obey the message limits too."""
    url = _interaction_urls(discord_fake)[route]
    send = http.post if route == "followup" else http.patch
    async with send(url, json=build(limit + 1)) as resp:
        _assert_invalid_form_body(resp.status, await resp.json())
    async with send(url, json=build(limit)) as resp:
        assert resp.status == 200, name
    assert [r.token for r in discord_fake.rejected] == ["tok"]


@pytest.mark.parametrize(("name", "build", "limit"), AUTOCOMPLETE_CASES,
                         ids=_ids(AUTOCOMPLETE_CASES))
async def test_discord_autocomplete_enforces_limit(
    discord_fake: FakeDiscord, http: aiohttp.ClientSession, name: str,
    build: Callable[[int], Body], limit: int,
) -> None:
    """An autocomplete result (type 8) obeys the choice limits."""
    url = f"{discord_fake.api_base}/interactions/1/{{}}/callback?with_response=1"
    status, answer = await _post(http, url.format("bad"), {"type": 8, "data": build(limit + 1)})
    _assert_invalid_form_body(status, answer)
    assert "choices" in answer["errors"]["data"]
    status, _ = await _post(http, url.format("good"), {"type": 8, "data": build(limit)})
    assert status == 200, name


async def test_discord_autocomplete_refuses_an_empty_choice_name(
    discord_fake: FakeDiscord, http: aiohttp.ClientSession
) -> None:
    """A choice name must have at least one character."""
    url = f"{discord_fake.api_base}/interactions/1/t/callback?with_response=1"
    status, answer = await _post(http, url, {"type": 8, "data": _choices(1, name="")})
    _assert_invalid_form_body(status, answer)


@pytest.mark.parametrize(("callback_type", "data", "has_message"), [
    (4, {"content": "hi"}, True),
    (7, {"content": "hi"}, True),
    (5, {"flags": 64}, False),
    (6, None, False),
    (8, {"choices": []}, False),
])
async def test_discord_callback_resource_message_only_for_4_and_7(
    discord_fake: FakeDiscord, http: aiohttp.ClientSession, callback_type: int,
    data: Body | None, has_message: bool,
) -> None:
    """``resource.message`` is present only for CHANNEL_MESSAGE_WITH_SOURCE and UPDATE_MESSAGE."""
    body: Body = {"type": callback_type} if data is None else {"type": callback_type,
                                                                 "data": data}
    status, answer = await _post(
        http, f"{discord_fake.api_base}/interactions/1/t/callback?with_response=1", body)
    assert status == 200
    assert answer["resource"]["type"] == callback_type
    assert ("message" in answer["resource"]) is has_message
    assert answer["interaction"]["response_message_loading"] is (callback_type == 5)


# ---------------------------------------------------------------------------------- nonces
@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2027, 3, 1, 8, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("window", "repeats"),
    [
        (300, [(300, False)]),  # a repeat inside the window returns the original
        (300, [(301, True)]),  # past it Discord has forgotten: the repeat is a new message
        (300, [(301, True), (10, False)]),  # ... which later repeats inside it return
        (None, [(86_400, False)]),  # no window (the default): remembered forever
    ],
    ids=["inside", "after", "after-then-inside", "forever"],
)
async def test_nonce_window(
    clock: FakeClock, http: aiohttp.ClientSession, window: float | None,
    repeats: list[tuple[int, bool]],
) -> None:
    """``nonce_window`` models Discord's "past few minutes" for ``enforce_nonce``: each
    repeat, ``seconds`` after the previous post, is a new message or the previous one."""
    fake = FakeDiscord(nonce_window=window, clock=clock)
    await fake.start()
    try:
        channel_id = _channel(fake)
        body = {"content": "hi", "nonce": "n1", "enforce_nonce": True}
        _, previous = await _create(fake, http, channel_id, body)
        for seconds, new_message in repeats:
            clock.advance(timedelta(seconds=seconds))
            _, answer = await _create(fake, http, channel_id, body)
            assert (answer["id"] != previous["id"]) is new_message
            previous = answer
        assert fake.message_count == 1 + sum(new for _, new in repeats)
    finally:
        await fake.close()


# ---------------------------------------------------------------------------------- Slack
@pytest.fixture
async def slack_fake() -> AsyncIterator[FakeSlack]:
    server = await FakeSlack().start()
    server.add_channel("C1")
    yield server
    await server.stop()


async def _slack(fake: FakeSlack, http: aiohttp.ClientSession, method: str,
                 params: Body) -> Body:
    async with http.post(f"{fake.base_url}{method}", json=params,
                         headers={"Authorization": f"Bearer {BOT_TOKEN}"}) as resp:
        assert resp.status == 200
        answer: Body = await resp.json()
        return answer


SLACK_METHODS = ["chat.postMessage", "chat.postEphemeral", "chat.update"]


def _slack_params(method: str, body: Body) -> Body:
    extra = {"ts": "1700000000.000001"} if method == "chat.update" else {}
    extra.update({"user": "U1"} if method == "chat.postEphemeral" else {})
    return {"channel": "C1", "text": "fallback", **extra, **body}


@pytest.mark.parametrize(("name", "build", "limit"), SLACK_BLOCK_CASES,
                         ids=_ids(SLACK_BLOCK_CASES))
@pytest.mark.parametrize("method", SLACK_METHODS)
async def test_slack_method_enforces_block_limit(
    slack_fake: FakeSlack, http: aiohttp.ClientSession, name: str,
    build: Callable[[int], Body], limit: int, method: str,
) -> None:
    """Blocks at the limit are accepted; one past it is ``invalid_blocks`` (HTTP 200)."""
    assert (await _slack(slack_fake, http, method, _slack_params(method, build(limit))))["ok"]
    answer = await _slack(slack_fake, http, method, _slack_params(method, build(limit + 1)))
    assert answer == {"ok": False, "error": "invalid_blocks"}, name
    assert [r.where for r in slack_fake.rejected] == [method]


@pytest.mark.parametrize("method", SLACK_METHODS)
async def test_slack_method_enforces_text_length(
    slack_fake: FakeSlack, http: aiohttp.ClientSession, method: str
) -> None:
    """Text up to 40,000 characters is accepted; longer is ``msg_too_long``."""
    ok = await _slack(slack_fake, http, method, _slack_params(method, {"text": "x" * 40000}))
    assert ok["ok"]
    answer = await _slack(slack_fake, http, method, _slack_params(method, {"text": "x" * 40001}))
    assert answer == {"ok": False, "error": "msg_too_long"}


@pytest.mark.parametrize("method", SLACK_METHODS)
async def test_slack_method_needs_text_or_blocks(
    slack_fake: FakeSlack, http: aiohttp.ClientSession, method: str
) -> None:
    """Neither text nor blocks is ``no_text``; blocks alone are enough."""
    params = _slack_params(method, {})
    del params["text"]
    assert await _slack(slack_fake, http, method, params) == {"ok": False, "error": "no_text"}
    assert (await _slack(slack_fake, http, method, {**params, "blocks": [_section("s")]}))["ok"]


async def test_slack_form_encoded_blocks_are_checked(
    slack_fake: FakeSlack, http: aiohttp.ClientSession
) -> None:
    """Blocks sent form-encoded (a JSON string, as slack_sdk may) are checked the same way."""
    form = {"channel": "C1", "text": "t", "blocks": json.dumps([_section("x" * 3001)])}
    async with http.post(f"{slack_fake.base_url}chat.postMessage", data=form,
                         headers={"Authorization": f"Bearer {BOT_TOKEN}"}) as resp:
        assert await resp.json() == {"ok": False, "error": "invalid_blocks"}


@pytest.mark.parametrize(("name", "build", "limit"), SLACK_BLOCK_CASES,
                         ids=_ids(SLACK_BLOCK_CASES))
async def test_slack_response_url_enforces_block_limit(
    slack_fake: FakeSlack, http: aiohttp.ClientSession, name: str,
    build: Callable[[int], Body], limit: int,
) -> None:
    """A response_url post past a limit is refused like a webhook (400, plain-text error) and
    is not recorded as a response; at the limit it is."""
    url = slack_fake.response_url()
    async with http.post(url, json={"text": "t", **build(limit + 1)}) as resp:
        assert (resp.status, await resp.text()) == (400, "invalid_blocks"), name
    assert slack_fake.responses == []
    async with http.post(url, json={"text": "t", **build(limit)}) as resp:
        assert resp.status == 200
    assert len(slack_fake.responses) == 1


@pytest.mark.parametrize(("body", "error"), [
    ({}, "no_text"),
    ({"text": "x" * 40001}, "msg_too_long"),
])
async def test_slack_response_url_text_checks(
    slack_fake: FakeSlack, http: aiohttp.ClientSession, body: Body, error: str
) -> None:
    """response_url refuses an empty message and an over-long text."""
    async with http.post(slack_fake.response_url(), json=body) as resp:
        assert (resp.status, await resp.text()) == (400, error)
    assert [r.error for r in slack_fake.rejected] == [error]
