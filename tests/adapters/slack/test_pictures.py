"""Pictures on Slack, end to end: the real Bolt app (signed requests) and SlackNotifier
against the fake Slack. A picture anyone may see is an ``image`` block served by the
dashboard under DESKBREAK_PUBLIC_URL; otherwise it is uploaded (files_upload_v2) into the
person's own DM, or left out of a channel."""

from __future__ import annotations

import io
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.adapters.slack import SlackAdapter, SlackConfig
from bot.adapters.slack.client import build_web_client
from bot.adapters.slack.notifier import SlackNotifier
from bot.adapters.slack.pacer import ChannelPacer
from bot.app import build_app
from bot.core.clock import FakeClock
from bot.core.commands import ContentCommands
from bot.core.content.library import Library
from bot.core.messages import Attachment, Message, MessageKind
from bot.core.pending import Slow
from bot.core.ports import Delivery, DeliveryStatus, Platform, Target, TargetKind
from bot.core.rotation import MemoryRotationStore
from bot.pictures.cache import StretchPictures, pose_key
from bot.settings import DatabaseSettings, Settings, WebSettings
from bot.web import Dashboard
from tests.adapters.slack.conftest import Sleeps, command_body, post_signed, sign
from tests.fakes.slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack
from tests.fakes.slack.server import TEAM_ID, Fault

DM = "D0MEMBER"  # the fake's conversations.open answers "D" + the user id without its "U"
PNG = b"\x89PNG\r\n\x1a\n"
UPLOAD_CALLS = ["files.getUploadURLExternal", "files.completeUploadExternal"]


def png_size(data: bytes) -> tuple[int, int]:
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def chart_png() -> bytes:
    """A private chart: a real PNG drawn here, standing in for the stats feature's."""
    from bot.pictures import look

    fig = look.new_figure(400, 300)
    ax = fig.add_subplot()
    ax.bar(["Mon", "Tue", "Wed"], [2, 3, 1])
    return look.to_png(fig)


class WithChart(ContentCommands):
    """/redflags answered with a private chart attached, as /mystats will be."""

    def redflags(self) -> Message:
        chart = Attachment("mystats-week.png", chart_png(), "Breaks taken per day this week.")
        return Message(kind=MessageKind.INFO, title="Your week", body="3 breaks taken.",
                       ephemeral=True, attachments=(chart,), image=chart.filename)


@pytest.fixture
def pictures(tmp_path: Path) -> StretchPictures:
    found = StretchPictures(tmp_path / "pictures")
    yield found  # type: ignore[misc]
    found.close()


@pytest.fixture
def pictured(library: Library, clock: FakeClock, pictures: StretchPictures) -> WithChart:
    return WithChart(library, MemoryRotationStore(), clock, random.Random(7), pictures=pictures)


StartSlack = Callable[[str | None], Awaitable[SlackAdapter]]


@pytest.fixture
async def start_slack(fake: FakeSlack, clock: FakeClock, sleeps: Sleeps,
                      pictured: WithChart) -> AsyncIterator[StartSlack]:
    fake.users["U0MEMBER"] = {"name": "sam", "is_admin": False, "is_owner": False}
    fake.add_channel("C0WELL")
    started: list[SlackAdapter] = []

    async def start(public_url: str | None) -> SlackAdapter:
        config = SlackConfig(bot_token=SecretStr(BOT_TOKEN),
                             signing_secret=SecretStr(SIGNING_SECRET), http_port=0,
                             base_url=fake.base_url, public_url=public_url)
        adapter = SlackAdapter(config, pictured, clock=clock, sleep=sleeps)
        await adapter.start()
        started.append(adapter)
        return adapter

    yield start
    for adapter in started:
        await adapter.stop()


@pytest.fixture
async def dashboard(tmp_path: Path, clock: FakeClock, pictures: StretchPictures
                    ) -> AsyncIterator[Dashboard]:
    """The real dashboard's web server, serving the same picture cache the cards use."""
    settings = Settings(database=DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"),
                        web=WebSettings(host="127.0.0.1", port=0))
    app = build_app(settings, clock=clock)
    await app.store.migrate()
    site = Dashboard(settings, app.store, clock, out=io.StringIO(), pictures=pictures)
    assert await site.start()
    yield site
    await site.stop()
    await app.store.close()


async def command(adapter: SlackAdapter, fake: FakeSlack, name: str, text: str, *,
                  channel: str, n: int) -> dict[str, Any]:
    """Send a signed slash command and return the accepted response_url answer."""
    url = fake.response_url(f"p{n}")
    body = command_body(name, text, url, channel_id=channel)
    assert (await post_signed(adapter, body, sign(body)))[0] == 200
    await fake.wait_for(lambda: any(r["_url"] == f"p{n}" for r in fake.responses))
    return next(r for r in fake.responses if r["_url"] == f"p{n}")


def calls(fake: FakeSlack) -> list[str]:
    return [c.method for c in fake.calls if c.method.startswith("files.")]


async def test_stretch_in_a_dm_uploads_its_picture_there(
    fake: FakeSlack, start_slack: StartSlack,
) -> None:
    """Without a public URL, /stretch typed in the bot's DM answers with the card and
    uploads the PNG into that DM: getUploadURLExternal, the bytes, completeUploadExternal."""
    adapter = await start_slack(None)
    answer = await command(adapter, fake, "/stretch", "pigeon", channel=DM, n=1)
    assert answer["blocks"][0]["text"]["text"] == "Pigeon pose"
    assert all(b["type"] != "image" for b in answer["blocks"])
    await fake.wait_for(lambda: len(fake.shared_files()) == 1)
    (shared,) = fake.shared_files()
    assert shared.channel_id == DM
    assert shared.filename == "pigeon.png" and shared.is_png and shared.data is not None
    width, height = png_size(shared.data)
    assert 200 <= width <= 2000 and 200 <= height <= 2000
    assert 2_000 < shared.length < 1_000_000
    assert shared.alt_txt and "Pigeon" in shared.alt_txt
    assert calls(fake) == UPLOAD_CALLS
    (reserve,) = fake.calls_to("files.getUploadURLExternal")
    assert int(reserve.params["length"]) == shared.length


async def test_stretch_in_a_channel_without_public_url_leaves_the_picture_out(
    fake: FakeSlack, start_slack: StartSlack,
) -> None:
    """In a channel with no public URL there is nowhere to show the picture: the card goes
    alone, nothing is uploaded and nothing is shared into the channel."""
    adapter = await start_slack(None)
    answer = await command(adapter, fake, "/stretch", "pigeon", channel="C0WELL", n=1)
    assert answer["response_type"] == "in_channel"
    assert all(b["type"] != "image" for b in answer["blocks"])
    await command(adapter, fake, "/stretches", "", channel="C0WELL", n=2)  # a later request
    assert calls(fake) == []


async def test_public_url_shows_the_picture_as_an_image_block_the_dashboard_serves(
    fake: FakeSlack, start_slack: StartSlack, dashboard: Dashboard, library: Library,
) -> None:
    """With DESKBREAK_PUBLIC_URL the card carries an image block whose URL the dashboard
    serves without sign-in; Slack (the fake) fetched it as a PNG before accepting."""
    public = f"http://127.0.0.1:{dashboard.port}"
    adapter = await start_slack(public)
    answer = await command(adapter, fake, "/stretch", "pigeon", channel="C0WELL", n=1)
    stretch = library.stretch("pigeon")
    assert stretch is not None
    image = answer["blocks"][1]
    assert image == {"type": "image",
                     "image_url": f"{public}/pictures/{pose_key(stretch.pose)}.png",
                     "alt_text": image["alt_text"]}
    assert "Pigeon" in image["alt_text"]
    assert fake.image_fetches == [(image["image_url"], 200, "image/png")]
    assert calls(fake) == []


async def test_unreachable_public_url_still_answers_with_the_words(
    fake: FakeSlack, start_slack: StartSlack, caplog: pytest.LogCaptureFixture,
) -> None:
    """A public URL Slack cannot fetch makes Slack refuse the message: the card is sent
    again without the picture, and the log says so once."""
    adapter = await start_slack("http://127.0.0.1:9")  # nothing listens on port 9
    caplog.set_level(logging.WARNING)
    answer = await command(adapter, fake, "/stretch", "pigeon", channel="C0WELL", n=1)
    assert answer["blocks"][0]["text"]["text"] == "Pigeon pose"
    assert all(b["type"] != "image" for b in answer["blocks"])
    assert [r.where for r in fake.rejected] == ["response_url"]
    assert len([r for r in caplog.records if "could not show a picture" in r.getMessage()]) == 1


async def test_private_chart_is_uploaded_into_the_dm_never_a_url(
    fake: FakeSlack, start_slack: StartSlack, dashboard: Dashboard,
) -> None:
    """A private chart asked for in a channel: the private answer has no image block even
    with a public URL, and the PNG is uploaded into the person's own DM."""
    adapter = await start_slack(f"http://127.0.0.1:{dashboard.port}")
    answer = await command(adapter, fake, "/redflags", "", channel="C0WELL", n=1)
    assert answer["response_type"] == "ephemeral"
    assert all(b["type"] != "image" for b in answer["blocks"])
    await fake.wait_for(lambda: len(fake.shared_files()) == 1)
    (shared,) = fake.shared_files()
    assert shared.channel_id == DM and shared.filename == "mystats-week.png" and shared.is_png
    assert [c.params["users"] for c in fake.calls_to("conversations.open")] == ["U0MEMBER"]
    assert fake.image_fetches == []


async def test_missing_files_write_scope_costs_one_line(
    fake: FakeSlack, start_slack: StartSlack, caplog: pytest.LogCaptureFixture,
) -> None:
    """A workspace that never granted files:write: the card still arrives; one warning names
    the scope."""
    fake.fail("files.getUploadURLExternal", Fault("missing_scope"))
    adapter = await start_slack(None)
    caplog.set_level(logging.WARNING)
    answer = await command(adapter, fake, "/stretch", "pigeon", channel=DM, n=1)
    assert answer["blocks"][0]["text"]["text"] == "Pigeon pose"
    await fake.wait_for(lambda: bool(fake.calls_to("files.getUploadURLExternal")))
    await command(adapter, fake, "/stretches", "", channel=DM, n=2)  # the upload has ended
    lines = [r.getMessage() for r in caplog.records if "could not upload" in r.getMessage()]
    assert len(lines) == 1 and "files:write" in lines[0]
    assert fake.shared_files() == []


def notifier(fake: FakeSlack, clock: FakeClock, sleeps: Sleeps,
             public_url: str | None) -> SlackNotifier:
    client = build_web_client(BOT_TOKEN, base_url=fake.base_url, sleep=sleeps)
    return SlackNotifier(client, ChannelPacer(clock, sleeps), public_url=public_url)


def delivery(kind: TargetKind, target_id: str) -> Delivery:
    return Delivery(1, Target(Platform.SLACK, TEAM_ID, kind, target_id), "n1", "reminder:1")


async def card(content: ContentCommands) -> Message:
    answer = content.stretch_answer("pigeon")
    return answer if isinstance(answer, Message) else await answer


async def test_notifier_uploads_into_a_dm_and_shows_by_url_in_a_channel(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps, pictured: WithChart,
    dashboard: Dashboard,
) -> None:
    """Scheduled sends: into a DM the picture is uploaded there; into a channel with a public
    URL it is an image block; a private chart is never posted into a channel."""
    fake.users["U0MEMBER"] = {"name": "sam"}
    fake.add_channel("C0WELL")
    message = await card(pictured)
    dm_only = notifier(fake, clock, sleeps, None)
    sent = await dm_only.deliver(delivery(TargetKind.DM, "U0MEMBER"), message)
    assert sent.status is DeliveryStatus.SENT
    assert [f.channel_id for f in fake.shared_files()] == [DM]
    public = notifier(fake, clock, sleeps, f"http://127.0.0.1:{dashboard.port}")
    sent = await public.deliver(delivery(TargetKind.CHANNEL, "C0WELL"), message)
    assert sent.status is DeliveryStatus.SENT
    (post,) = [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == "C0WELL"]
    assert [b["type"] for b in post.params["blocks"]][:2] == ["header", "image"]
    chart = pictured.redflags()
    await public.deliver(delivery(TargetKind.CHANNEL, "C0WELL"), chart)
    last = fake.calls_to("chat.postMessage")[-1]
    assert all(b["type"] != "image" for b in last.params["blocks"])
    assert [f.channel_id for f in fake.shared_files()] == [DM]  # nothing into the channel


async def test_uncached_picture_is_a_slow_answer(pictured: WithChart,
                                                 pictures: StretchPictures) -> None:
    """/stretch whose picture is not in memory is Slow (drawn off the loop); once drawn the
    same card is answered at once, the same object every time."""
    first = pictured.stretch_answer("pigeon")
    assert isinstance(first, Slow)
    drawn = await first
    assert drawn.image == "pigeon.png" and drawn.attachments[0].data.startswith(PNG)
    again = pictured.stretch_answer("pigeon")
    assert again is drawn
    assert pictures.renders == 1
    assert replace(drawn, attachments=(), image=None) == pictured.stretch("pigeon")


async def test_notifier_posts_the_words_when_slack_cannot_fetch_the_picture(
    fake: FakeSlack, clock: FakeClock, sleeps: Sleeps, pictured: WithChart,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A scheduled card whose picture URL Slack cannot fetch is posted once more without the
    image block: delivered, one warning, one message in the channel."""
    fake.add_channel("C0WELL")
    message = await card(pictured)
    caplog.set_level(logging.WARNING)
    unreachable = notifier(fake, clock, sleeps, "http://127.0.0.1:9")
    result = await unreachable.deliver(delivery(TargetKind.CHANNEL, "C0WELL"), message)
    assert result.status is DeliveryStatus.SENT
    first, second = fake.calls_to("chat.postMessage")
    assert [b["type"] for b in first.params["blocks"]][:2] == ["header", "image"]
    assert all(b["type"] != "image" for b in second.params["blocks"])
    assert [r.where for r in fake.rejected] == ["chat.postMessage"]
    assert len([r for r in caplog.records if "could not show a picture" in r.getMessage()]) == 1
