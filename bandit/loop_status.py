"""Where the learning loop stands, in words: what `learn` prints after each pass and what
replay says when nothing is joined yet."""

from __future__ import annotations

from datetime import UTC, datetime

import storage


def _in(delta_s: float) -> str:
    if delta_s <= 0:
        return "now"
    minutes, seconds = divmod(round(delta_s), 60)
    return f"in {minutes} min {seconds} s" if minutes else f"in {seconds} s"


def waiting_line(waiting: storage.Waiting, now: datetime | None = None) -> str:
    """``waiting: 3,500 decisions ...; the next matures at ... (in 29 min 3 s); rewards so
    far: 1,400 (0 late)``."""
    now = now or datetime.now(UTC)
    parts = [f"waiting: {waiting.waiting:,} decision(s) not joined yet"]
    if waiting.unactivated:
        parts[0] += f" ({waiting.unactivated:,} deferred and never activated)"
    if waiting.next_deadline is not None:
        when = waiting.next_deadline.astimezone(UTC)
        delta = (when - now).total_seconds()
        parts.append(f"the next matures at {when:%Y-%m-%d %H:%M:%S} UTC ({_in(delta)})")
    parts.append(f"rewards so far: {waiting.rewards:,} ({waiting.late_rewards:,} late)")
    return "; ".join(parts)


def no_reward_note(waiting: storage.Waiting) -> str | None:
    """A warning when decisions were logged and not one reward ever came."""
    if waiting.decisions and not waiting.rewards:
        return (
            f"no reward has arrived for any of the {waiting.decisions:,} decisions: send them"
            " with POST /v1/events/{event_id}/reward or ArtworkChooser.reward(); until then"
            " every decision is learned as no click"
        )
    return None
