"""What the scheduler tells admins when a platform refuses a schedule's channel for good."""

from __future__ import annotations

from bot.core.messages import Message, MessageKind
from bot.core.ports import DeliveryStatus


def pause_reason(status: DeliveryStatus, channel_id: str, detail: str) -> str:
    """The reason stored on the paused schedule (and shown by ``/schedule list``)."""
    what = "can't post in" if status == DeliveryStatus.FORBIDDEN else "can't find"
    suffix = f" ({detail})" if detail else ""
    return f"I {what} channel {channel_id}{suffix}"[:300]


def schedule_paused(schedule_id: int, reason: str) -> Message:
    """The one notice the workspace's admins get when a schedule is paused for them."""
    return Message(
        kind=MessageKind.INFO,
        title=f"Schedule #{schedule_id} is paused",
        body=(
            f"{reason}. Give me permission to post there, then run "
            f"`/schedule resume {schedule_id}` (or `/schedule remove {schedule_id}`)."
        ),
    )
