"""Who counts as an admin: Slack's own flags or SLACK_ADMIN_IDS, cached briefly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.adapters.slack.admins import AdminCheckFailed, AdminResolver, parse_admin_ids
from bot.adapters.slack.client import build_web_client
from bot.core.clock import FakeClock
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.fakes.slack.server import TEAM_ID, Fault


def _resolver(fake: FakeSlack, clock: FakeClock, ids: str = "") -> AdminResolver:
    return AdminResolver(build_web_client(BOT_TOKEN, base_url=fake.base_url), clock, ids)


def test_admin_ids_split_users_and_groups() -> None:
    """SLACK_ADMIN_IDS takes comma or space separated user ids and S-prefixed group ids."""
    assert parse_admin_ids("U1, S2  W3") == (frozenset({"U1", "W3"}), frozenset({"S2"}))


async def test_workspace_admins_and_owners_are_admins(fake: FakeSlack, clock: FakeClock) -> None:
    """users.info is_admin or is_owner makes an admin; a member is not."""
    fake.users.update({"UA": {"is_admin": True}, "UO": {"is_owner": True}, "UM": {}})
    resolver = _resolver(fake, clock)
    assert [await resolver.is_admin(TEAM_ID, u) for u in ("UA", "UO", "UM")] == [True, True, False]


async def test_answers_are_cached_then_refreshed(fake: FakeSlack, clock: FakeClock) -> None:
    """Repeated checks within the TTL cost one users.info; after it, Slack is asked again."""
    fake.users["UA"] = {"is_admin": True}
    resolver = _resolver(fake, clock)
    for _ in range(3):
        assert await resolver.is_admin(TEAM_ID, "UA")
    assert len(fake.calls_to("users.info")) == 1
    fake.users["UA"] = {"is_admin": False}
    clock.advance(timedelta(minutes=6))
    assert not await resolver.is_admin(TEAM_ID, "UA")
    assert len(fake.calls_to("users.info")) == 2


async def test_listed_users_and_group_members_are_admins(fake: FakeSlack, clock: FakeClock) -> None:
    """Ids in SLACK_ADMIN_IDS count directly; groups are resolved by usergroups.users.list."""
    fake.users.update({"UL": {}, "UG": {}, "UX": {}})
    fake.groups["S0OPS"] = ["UG"]
    resolver = _resolver(fake, clock, "UL S0OPS")
    assert await resolver.is_admin(TEAM_ID, "UL")
    assert await resolver.is_admin(TEAM_ID, "UG")
    assert not await resolver.is_admin(TEAM_ID, "UX")
    assert fake.calls_to("users.info")[0].params["user"] == "UG"
    assert len(fake.calls_to("usergroups.users.list")) == 1


async def test_lookup_failure_fails_closed(fake: FakeSlack, clock: FakeClock) -> None:
    """If users.info fails, admin rights are never granted: the check says it could not tell
    (the listener then asks the person to try again), and nothing is cached."""
    fake.users["UA"] = {"is_admin": True}
    fake.fail("users.info", Fault(error="internal_error"))
    resolver = _resolver(fake, clock)
    with pytest.raises(AdminCheckFailed):
        await resolver.is_admin(TEAM_ID, "UA")
    assert await resolver.is_admin(TEAM_ID, "UA")  # Slack answers again: asked again


async def test_an_unknown_user_is_simply_not_an_admin(fake: FakeSlack, clock: FakeClock) -> None:
    """users.info saying user_not_found settles it: not an admin, no "try again"."""
    fake.fail("users.info", Fault(error="user_not_found"))
    assert not await _resolver(fake, clock).is_admin(TEAM_ID, "UX")
