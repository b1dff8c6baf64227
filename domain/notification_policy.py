"""When a member's notification becomes an email: its channel, quiet hours and the daily cap.

Every notification is in the member's inbox at once; this module only decides the email. The
member chooses a channel per topic (a group of notification kinds): in-app only, email at once,
or the daily digest; quiet hours in their own time zone; and a daily email cap (platform
default DEFAULT_DAILY_CAP). The decision for one notification is one of:

    IN_APP_ONLY  no email (the member's choice)
    SEND_NOW     email now
    HOLD         email when quiet hours end (`until`, UTC), deciding again then
    DIGEST       summarised in the next daily digest

Two urgencies bend the rules, because a late email there costs the member money:
- deadline reminders go out at once, even in quiet hours and over the cap: a reminder comes a day
  (or, for short windows, half the window, as little as minutes) before its deadline, which may
  pass before quiet hours end or before the next digest; and there is at most one per deadline.
- money notices (a failed payment, a plan charge) never wait for a digest or the cap, but do wait
  for quiet hours to end: nothing is lost by reading about them in the morning.
Neither can be routed to the digest. Both still count towards the day's emails, so a day with
many reminders leaves fewer emails for ordinary updates.

The cap keeps its last email of the day for the digest: with a cap of 10, nine emails go out at
once and the rest wait for the digest, so a member gets at most 10 a day (reminders aside). The
digest goes out once per local day, at the member's digest time or at the end of quiet hours if
the digest time falls inside them.

Standard library only: time is passed in; time zones are IANA names read through zoneinfo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DAILY_CAP = 10
MAX_DAILY_CAP = 100
DEFAULT_DIGEST_AT = dt.time(18, 0)


class Channel(StrEnum):
    IN_APP = "in_app"
    EMAIL = "email"
    DIGEST = "digest"


class Urgency(StrEnum):
    NORMAL = "normal"
    MONEY = "money"
    DEADLINE = "deadline"


class Route(StrEnum):
    IN_APP_ONLY = "in_app_only"
    SEND_NOW = "send_now"
    HOLD = "hold"
    DIGEST = "digest"


@dataclass(frozen=True)
class Topic:
    name: str
    label: str
    kinds: frozenset[str]
    urgency: Urgency = Urgency.NORMAL
    choosable: bool = True  # saved-search alerts are chosen per saved search instead

    @property
    def channels(self) -> tuple[Channel, ...]:
        """What a member may choose: an urgent topic has no digest."""
        if self.urgency is Urgency.NORMAL:
            return (Channel.EMAIL, Channel.DIGEST, Channel.IN_APP)
        return (Channel.EMAIL, Channel.IN_APP)


TOPICS: tuple[Topic, ...] = (
    Topic("deals", "Deal updates: offers, acceptance, funding, delivery, completion, barter rings",
          frozenset({"offer", "accepted", "declined", "expired", "withdrawn", "extended", "funded", "delivered",
                     "changes", "confirmed", "completed", "closed", "cancelled", "ring"})),
    Topic("disputes", "Disputes: opening, settlement offers, evidence, arbitrator, rulings, appeals",
          frozenset({"dispute", "settlement", "settled", "evidence", "arbitrator", "ruling", "appeal", "final"})),
    Topic("reviews", "Reviews: the rating window and revealed reviews", frozenset({"review"})),
    Topic("messages", "Messages from the other party of a deal", frozenset({"message"})),
    Topic("reminders", "Reminders before a deadline that needs you, and overdue deliveries", frozenset({"reminder", "overdue",
          "verification_reminder"}), Urgency.DEADLINE),
    Topic("payments", "Payments: a failed card payment, plan charges and changes, your credit line",
          frozenset({"cash_failed", "credit_line"}), Urgency.MONEY),  # and every subscription_* kind: see topic_of
    Topic("verification", "Verification of your business", frozenset({"verification_approved",
          "verification_rejected", "verification_info"})),
    Topic("saved_searches", "New listings matching a saved search", frozenset({"saved_search_alert"}),
          choosable=False),
)
OTHER = Topic("other", "Other notices", frozenset())
TOPIC_BY_NAME = {topic.name: topic for topic in TOPICS}
_TOPIC_BY_KIND = {kind: topic for topic in TOPICS for kind in topic.kinds}


def topic_of(kind: str) -> Topic:
    """The topic of a notification kind; payment kinds are matched by their prefix, since a plan's
    events are named by the subscription (`subscription_<event>`)."""
    if kind in _TOPIC_BY_KIND:
        return _TOPIC_BY_KIND[kind]
    if kind.startswith("subscription_"):
        return TOPIC_BY_NAME["payments"]
    return OTHER


def known_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class QuietHours:
    """Local times; a start after the end spans midnight (22:00–07:00)."""

    start: dt.time
    end: dt.time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError("quiet hours must not start and end at the same time")

    def contains(self, local: dt.time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, local: dt.datetime) -> dt.datetime:
        """The first end of quiet hours after the local moment `local` (inside them)."""
        end = local.replace(hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0)
        return end if end > local else end + dt.timedelta(days=1)


@dataclass(frozen=True)
class Preferences:
    channels: Mapping[str, Channel] = field(default_factory=dict)  # topic name -> channel; absent = email
    quiet_hours: QuietHours | None = None
    time_zone: str = "UTC"
    daily_cap: int = DEFAULT_DAILY_CAP
    digest_at: dt.time = DEFAULT_DIGEST_AT

    def channel_for(self, topic: Topic) -> Channel:
        chosen = self.channels.get(topic.name, Channel.EMAIL)
        return chosen if chosen in topic.channels else Channel.EMAIL

    def local(self, now: dt.datetime) -> dt.datetime:
        return now.astimezone(ZoneInfo(self.time_zone))

    def day_of(self, now: dt.datetime) -> dt.date:
        return self.local(now).date()

    def day_started_at(self, now: dt.datetime) -> dt.datetime:
        """The start of the member's local day, in UTC: the cap counts emails since then."""
        local = self.local(now)
        return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)

    def quiet_until(self, now: dt.datetime) -> dt.datetime | None:
        """When quiet hours end (UTC), or None when `now` is outside them."""
        local = self.local(now)
        if self.quiet_hours is None or not self.quiet_hours.contains(local.time()):
            return None
        end = self.quiet_hours.end_after(local.replace(tzinfo=None))
        return end.replace(tzinfo=local.tzinfo).astimezone(dt.UTC)


@dataclass(frozen=True)
class Decision:
    route: Route
    reason: str
    until: dt.datetime | None = None


def decide(kind: str, prefs: Preferences, emails_sent_today: int, now: dt.datetime) -> Decision:
    """What to do now with the email of one notification of `kind`."""
    topic = topic_of(kind)
    channel = prefs.channel_for(topic)
    if channel is Channel.IN_APP:
        return Decision(Route.IN_APP_ONLY, f"{topic.label}: in-app only, as chosen")
    if topic.urgency is Urgency.DEADLINE:
        return Decision(Route.SEND_NOW, "a reminder goes out at once: its deadline may pass before morning")
    if channel is Channel.DIGEST:
        return Decision(Route.DIGEST, f"{topic.label}: daily digest, as chosen")
    if (until := prefs.quiet_until(now)) is not None:
        return Decision(Route.HOLD, "quiet hours", until)
    if topic.urgency is Urgency.MONEY:
        return Decision(Route.SEND_NOW, "money notices are never held for the digest")
    if emails_sent_today >= prefs.daily_cap - 1:
        return Decision(Route.DIGEST, f"the daily cap of {prefs.daily_cap} emails is reached")
    return Decision(Route.SEND_NOW, "email at once, as chosen")


def digest_due(prefs: Preferences, now: dt.datetime, last_digest_day: dt.date | None) -> bool:
    """Whether today's digest may go out now: once a local day, from the digest time on, outside
    quiet hours."""
    local = prefs.local(now)
    if last_digest_day == local.date() or local.time() < prefs.digest_at:
        return False
    return prefs.quiet_until(now) is None
