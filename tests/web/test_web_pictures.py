"""``/pictures/<key>.png``: stretch pictures by content hash, for Slack's image blocks, served
without sign-in, cacheable; nothing else is reachable that way."""

from __future__ import annotations

from bot.pictures.cache import StretchPictures, pose_key
from tests.web.conftest import Site

PNG = b"\x89PNG\r\n\x1a\n"


async def test_a_cached_stretch_picture_is_public_and_cacheable(site: Site) -> None:
    """Anonymous GET of a drawn picture: 200, image/png, cacheable for a year."""
    pictures = site.app.pictures
    assert pictures is not None
    stretch = site.app.content.library.stretch("pigeon")
    assert stretch is not None
    data = pictures.picture(stretch)
    async with site.client() as client:
        response = await client.get(f"/pictures/{pose_key(stretch.pose)}.png",
                                    allow_redirects=False)
        assert response.status == 200
        assert response.content_type == "image/png"
        assert await response.read() == data
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_pictures_are_served_from_disk_after_a_restart(site: Site) -> None:
    """A picture drawn by an earlier process (on disk only) is still served: a URL in an old
    Slack message keeps working."""
    pictures = site.app.pictures
    assert pictures is not None and pictures.cache_dir is not None
    stretch = site.app.content.library.stretch("cat-cow")
    assert stretch is not None
    earlier = StretchPictures(pictures.cache_dir)
    data = earlier.picture(stretch)
    async with site.client() as client:
        response = await client.get(f"/pictures/{pose_key(stretch.pose)}.png")
        assert response.status == 200 and await response.read() == data


async def test_anything_else_under_pictures_is_not_found_or_private(site: Site) -> None:
    """A key nobody drew is 404 (and not cacheable); other names are not public at all."""
    async with site.client() as client:
        missing = await client.get(f"/pictures/{'0' * 32}.png", allow_redirects=False)
        assert missing.status == 404
        assert missing.headers["Cache-Control"] == "no-store"
        for path in ("/pictures/../db.sqlite3", "/pictures/PIGEON.png", "/pictures/",
                     f"/pictures/{'a' * 31}.png", f"/pictures/{'a' * 32}.png.bak"):
            response = await client.get(path, allow_redirects=False)
            assert response.status in (303, 404), path
            assert not (await response.read()).startswith(PNG), path
