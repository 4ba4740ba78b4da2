"""Slack not answering the admin lookup (issue 11, item 16): an HTML 5xx page instead of JSON,
or the network failing, through the real Bolt app with signed requests. The person is told
to try again in a minute (never "something went wrong", never let in), and the log has one
line per failed lookup, without a traceback."""

from __future__ import annotations

import logging

import pytest

from tests.adapters.slack.conftest import Slash
from tests.fakes.slack import FakeSlack
from tests.fakes.slack.server import Fault

TRY_AGAIN = "I couldn't check your admin rights with Slack; try again in a minute."

FAULTS = {
    "html-503": Fault(status=503, html=True),
    "plain-502": Fault(status=502),
    "network": Fault(disconnect=True, times=None),  # every attempt, the SDK's retries too
    "internal-error": Fault(error="internal_error"),
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
async def test_an_unanswered_admin_lookup_fails_closed_with_a_clear_line(
    slash: Slash, fake: FakeSlack, caplog: pytest.LogCaptureFixture, fault: Fault
) -> None:
    """/schedule list by an admin while users.info fails: the try-again line, privately, no
    schedule change, one warning; once Slack answers again, the admin is served."""
    fake.fail("users.info", fault)
    with caplog.at_level(logging.INFO):
        response = await slash("/schedule", "list", user_id="U0ADMIN")
    assert TRY_AGAIN in response["text"]
    assert response.get("response_type", "ephemeral") == "ephemeral"
    assert "went wrong" not in response["text"]
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "couldn't check admin rights: users.info failed for U0ADMIN" in warnings[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records)
    fake._faults.clear()
    again = await slash("/schedule", "list", user_id="U0ADMIN")
    assert TRY_AGAIN not in again["text"] and "Admins only" not in again["text"]


async def test_a_member_is_still_refused_when_slack_answers(slash: Slash, fake: FakeSlack) -> None:
    """A normal answer for a member still gets the admins-only refusal, not the try-again."""
    response = await slash("/schedule", "list", user_id="U0MEMBER")
    assert "Admins only" in response["text"] and TRY_AGAIN not in response["text"]
