"""The picture cache: render once per content hash, in memory and on disk, never on the loop."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.content.models import Stretch
from bot.core.content.pose import Pose
from bot.pictures import cache
from bot.pictures.cache import (
    StretchPictures,
    alt_text,
    pose_key,
    process_executor,
)
from tests.core.contentkit import make_stretch

PNG = b"\x89PNG\r\n\x1a\nfake"


class CountingRenderer:
    """A stand-in for the renderer that counts its calls and can be held until released."""

    def __init__(self, *, hold: bool = False) -> None:
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()
        if not hold:
            self.release.set()

    def __call__(self, pose: Pose) -> bytes:
        self.calls += 1
        self.started.set()
        assert self.release.wait(timeout=30), "the test never released the render"
        return PNG + pose_key(pose).encode()


@pytest.fixture
def held() -> Iterator[tuple[StretchPictures, CountingRenderer]]:
    """Pictures whose renderer waits for the test's go-ahead; always released and closed."""
    render = CountingRenderer(hold=True)
    pictures = StretchPictures(None, render=render)
    yield pictures, render
    render.release.set()
    pictures.close()


def stretch(stretch_id: str = "neck-tilt", pose: object = "seated") -> Stretch:
    return make_stretch(stretch_id, stretch_id.replace("-", " ").capitalize(), pose=pose)


def test_a_picture_is_drawn_once_then_served_from_memory() -> None:
    """The second request for the same pose does not draw again."""
    render = CountingRenderer()
    pictures = StretchPictures(None, render=render)
    first = pictures.picture(stretch())
    assert pictures.picture(stretch()) == first
    assert render.calls == 1 and pictures.renders == 1


def test_stretches_with_the_same_pose_share_a_picture() -> None:
    """The key is the pose's content, not the stretch's id."""
    render = CountingRenderer()
    pictures = StretchPictures(None, render=render)
    pictures.picture(stretch("a"))
    pictures.picture(stretch("b"))
    assert render.calls == 1


def test_a_changed_pose_is_drawn_again() -> None:
    """Editing the pose changes the key, so the picture is redrawn."""
    render = CountingRenderer()
    pictures = StretchPictures(None, render=render)
    pictures.picture(stretch(pose="seated"))
    pictures.picture(stretch(pose={"panels": [{"from": "seated", "head": 120}]}))
    assert render.calls == 2


def test_the_key_covers_the_drawing_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """A change to the renderer or the house style makes every key new."""
    pose = Pose.model_validate("seated")
    before = pose_key(pose)
    monkeypatch.setattr(cache, "drawing_fingerprint", lambda: "a different renderer")
    assert pose_key(pose) != before


def test_pictures_survive_a_restart_on_disk(tmp_path: Path) -> None:
    """A new process (a new instance) reads the picture from disk instead of drawing it."""
    first = StretchPictures(tmp_path, render=CountingRenderer())
    data = first.picture(stretch())
    assert (tmp_path / f"{pose_key(stretch().pose)}.png").read_bytes() == data
    render = CountingRenderer()
    second = StretchPictures(tmp_path, render=render)
    assert second.picture(stretch()) == data and render.calls == 0


def test_a_damaged_file_on_disk_is_drawn_again(tmp_path: Path) -> None:
    """A truncated or foreign file in the cache is replaced, not served."""
    path = tmp_path / f"{pose_key(stretch().pose)}.png"
    path.write_bytes(b"not a png")
    render = CountingRenderer()
    data = StretchPictures(tmp_path, render=render).picture(stretch())
    assert render.calls == 1 and data.startswith(PNG) and path.read_bytes() == data


def test_an_unwritable_cache_folder_costs_a_warning_not_a_picture(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """If the data folder cannot be written, pictures still come, from memory."""
    blocked = tmp_path / "pictures"
    blocked.write_text("a file where the folder should be")
    render = CountingRenderer()
    pictures = StretchPictures(blocked, render=render)
    with caplog.at_level(logging.WARNING, logger="bot.pictures.cache"):
        assert pictures.picture(stretch()).startswith(PNG)
        assert pictures.picture(stretch("other", pose="standing")).startswith(PNG)
    assert render.calls == 2
    assert len([r for r in caplog.records if "memory only" in r.message]) == 1


def test_prune_sweeps_pictures_no_stretch_uses(tmp_path: Path) -> None:
    """Old files (an edited pose, a new renderer) go; the library's own pictures stay."""
    pictures = StretchPictures(tmp_path, render=CountingRenderer())
    kept, dropped = stretch("a", pose="seated"), stretch("b", pose="standing")
    pictures.picture(kept)
    pictures.picture(dropped)
    (tmp_path / "notes.txt").write_text("not ours")
    assert pictures.prune([kept]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{pose_key(kept.pose)}.png", "notes.txt"]
    )
    assert StretchPictures(None).prune([kept]) == 0


def test_memory_keeps_only_the_most_recent_pictures() -> None:
    """The memory cache is bounded; the least recently used picture goes first."""
    render = CountingRenderer()
    pictures = StretchPictures(None, render=render, memory_items=2)
    a, b, c = stretch(pose="seated"), stretch(pose="standing"), stretch(pose="lying")
    for item in (a, b, a, c):  # a is used again after b, so b is the one dropped for c
        pictures.picture(item)
    pictures.picture(a)
    assert render.calls == 3
    pictures.picture(b)
    assert render.calls == 4


Held = tuple[StretchPictures, CountingRenderer]


async def test_rendering_never_blocks_the_event_loop(held: Held) -> None:
    """While a picture is being drawn, the loop keeps serving other work."""
    pictures, render = held
    task = asyncio.create_task(pictures.picture_async(stretch()))
    await asyncio.to_thread(render.started.wait, 30)
    ticks = 0
    for _ in range(5):  # the loop runs these while the render is still held
        await asyncio.sleep(0)
        ticks += 1
    assert ticks == 5 and not task.done()
    render.release.set()
    assert (await task).startswith(PNG)


async def test_concurrent_requests_share_one_render(held: Held) -> None:
    """Twenty people asking for the same new picture at once cost one render."""
    pictures, render = held
    tasks = [asyncio.create_task(pictures.picture_async(stretch())) for _ in range(20)]
    await asyncio.to_thread(render.started.wait, 30)
    render.release.set()
    results = await asyncio.gather(*tasks)
    assert len(set(results)) == 1 and render.calls == 1


async def test_one_caller_giving_up_does_not_cancel_the_others(held: Held) -> None:
    """A cancelled request (an expired interaction) leaves the shared render running."""
    pictures, render = held
    quitter = asyncio.create_task(pictures.picture_async(stretch()))
    stayer = asyncio.create_task(pictures.picture_async(stretch()))
    await asyncio.to_thread(render.started.wait, 30)
    quitter.cancel()
    render.release.set()
    assert (await stayer).startswith(PNG)
    with pytest.raises(asyncio.CancelledError):
        await quitter


async def test_pictures_can_be_drawn_in_a_worker_process(tmp_path: Path) -> None:
    """With process_executor() the real renderer runs in a spawned process and the picture
    is cached as usual."""
    executor = process_executor()
    try:
        pictures = StretchPictures(tmp_path, executor=executor)
        data = await pictures.picture_async(stretch())
    finally:
        executor.shutdown()
    assert data.startswith(b"\x89PNG") and pictures.renders == 1
    assert (tmp_path / f"{pose_key(stretch().pose)}.png").read_bytes() == data


async def test_a_memory_hit_is_answered_without_the_executor() -> None:
    """Once drawn, the async path returns the picture without leaving the loop."""
    render = CountingRenderer()
    pictures = StretchPictures(None, render=render)
    pictures.picture(stretch())
    pictures._worker = None  # type: ignore[assignment,method-assign]  # any use would fail
    assert (await pictures.picture_async(stretch())).startswith(PNG)


async def test_an_attachment_carries_the_png_and_a_description() -> None:
    """The attachment adapters will send: a PNG named after the stretch, with alt text."""
    pictures = StretchPictures(None, render=CountingRenderer())
    try:
        attachment = await pictures.attachment_async(stretch())
    finally:
        pictures.close()
    assert attachment.filename == "neck-tilt.png" and attachment.content_type == "image/png"
    assert attachment.alt == "Drawing of Neck tilt."


def test_alt_text_reads_the_panels_in_order() -> None:
    """Two labelled panels are described as two steps."""
    pose = {"panels": [{"label": "breathe in"}, {"label": "breathe out"}]}
    assert alt_text(stretch(pose=pose)) == (
        "2-step drawing of Neck tilt (breathe in; then breathe out)."
    )


def test_close_shuts_down_an_executor_it_owns_only() -> None:
    """close() stops a given executor only when told it owns it (the bot's worker process,
    handed over by build_app); a borrowed one is the lender's to stop."""
    from concurrent.futures import ThreadPoolExecutor

    borrowed, owned = ThreadPoolExecutor(1), ThreadPoolExecutor(1)
    StretchPictures(None, executor=borrowed).close()
    assert borrowed.submit(int, "1").result() == 1  # still running
    StretchPictures(None, executor=owned, owns_executor=True).close()
    with pytest.raises(RuntimeError):
        owned.submit(int, "1")
    borrowed.shutdown()


def test_ready_and_by_key_answer_only_from_the_cache(tmp_path: Path) -> None:
    """ready() is a memory hit or None, never a render; by_key() serves a drawn picture by
    its hash (memory or disk) and nothing that is not a picture key."""
    render = CountingRenderer()
    pictures = StretchPictures(tmp_path, render=render)
    assert pictures.ready(stretch()) is None and render.calls == 0
    data = pictures.picture(stretch())
    found = pictures.ready(stretch())
    assert found is not None and found.data == data
    assert found.public_key == pose_key(stretch().pose)
    assert StretchPictures(tmp_path).by_key(pose_key(stretch().pose)) == data  # from disk
    (tmp_path / "notes.png").write_bytes(b"\x89PNG private")
    assert pictures.by_key("notes") is None
    assert pictures.by_key("../" + pose_key(stretch().pose)) is None
    assert pictures.by_key("0" * 32) is None
