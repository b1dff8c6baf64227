"""What the notification settings take in, from the API (nested JSON) or the form (flat fields),
ending as the domain's Preferences; and how they are shown back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from domain.notification_policy import (
    DEFAULT_DAILY_CAP,
    DEFAULT_DIGEST_AT,
    MAX_DAILY_CAP,
    TOPIC_BY_NAME,
    TOPICS,
    Channel,
    Preferences,
    QuietHours,
    known_time_zone,
)

CHANNEL_NAMES = {Channel.EMAIL: "Email at once", Channel.DIGEST: "Daily digest", Channel.IN_APP: "Inbox only"}
CHOOSABLE = tuple(topic for topic in TOPICS if topic.choosable)


class ClockTime(fields.Field):
    """A local time of day, to the minute: "07:00" (a browser's time input may add ":00" seconds)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.time:
        for layout in ("%H:%M", "%H:%M:%S"):
            try:
                return dt.datetime.strptime(str(value).strip(), layout).time().replace(second=0)
            except ValueError:
                continue
        raise ValidationError("Enter a time of day like 07:00.")

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else f"{value:%H:%M}"


def _time_zone(name: str) -> None:
    if len(name) > 64 or not known_time_zone(name):
        raise ValidationError("Choose a time zone such as Europe/Paris.")


class QuietHoursIn(Schema):
    start = ClockTime(required=True)
    end = ClockTime(required=True)

    @validates_schema
    def _has_length(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data.get("start") is not None and data.get("start") == data.get("end"):
            raise ValidationError("Quiet hours must end at another time than they start.", "end")


class PreferencesBody(Schema):
    """Every field optional: what is left out keeps the platform default."""

    class Meta:
        unknown = EXCLUDE

    channels = fields.Dict(keys=fields.String(validate=validate.OneOf([t.name for t in CHOOSABLE])),
                           values=fields.String(validate=validate.OneOf([c.value for c in Channel])),
                           load_default=dict, metadata={"description": "topic -> email, digest or in_app"})
    quiet_hours = fields.Nested(QuietHoursIn, allow_none=True, load_default=None,
                                metadata={"description": "local times; null for none"})
    time_zone = fields.String(load_default="UTC", validate=lambda name: _time_zone(name),
                              metadata={"description": "an IANA name such as Europe/Paris"})
    daily_cap = fields.Integer(load_default=DEFAULT_DAILY_CAP, strict=False,
                               validate=validate.Range(1, MAX_DAILY_CAP))
    digest_at = ClockTime(load_default=lambda: DEFAULT_DIGEST_AT)

    @validates_schema(skip_on_field_errors=False)
    def _channels_allowed(self, data: dict[str, Any], **_kwargs: Any) -> None:
        refused = {name: ["These cannot wait for the digest: they are sent at once."]
                   for name, channel in (data.get("channels") or {}).items()
                   if name in TOPIC_BY_NAME and channel == Channel.DIGEST
                   and Channel.DIGEST not in TOPIC_BY_NAME[name].channels}
        if refused:
            raise ValidationError({"channels": refused})

    @post_load
    def _preferences(self, data: dict[str, Any], **_kwargs: Any) -> Preferences:
        quiet = data.get("quiet_hours")
        return Preferences(channels={name: Channel(c) for name, c in data["channels"].items()},
                           quiet_hours=QuietHours(quiet["start"], quiet["end"]) if quiet else None,
                           time_zone=data["time_zone"], daily_cap=data["daily_cap"], digest_at=data["digest_at"])


class PreferencesForm(PreferencesBody):
    """The settings page: one select per topic (`channel_<topic>`), quiet hours as two times
    (both blank for none)."""

    @pre_load
    def _nest(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        nested: dict[str, Any] = {k: v for k, v in data.items() if k in ("time_zone", "daily_cap", "digest_at")}
        nested["channels"] = {t.name: data[f"channel_{t.name}"] for t in CHOOSABLE if data.get(f"channel_{t.name}")}
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if start or end:
            nested["quiet_hours"] = {"start": start or "", "end": end or ""}
        return nested

    def handle_error(self, error: ValidationError, data: Any, **kwargs: Any) -> None:
        """Nested names back to the form's own field names."""
        messages = error.messages if isinstance(error.messages, dict) else {"_body": error.messages}
        flat: dict[str, Any] = {}
        for key, value in messages.items():
            if key == "quiet_hours" and isinstance(value, dict):
                for part, found in value.items():
                    flat["quiet_start" if part == "start" else "quiet_end" if part == "end" else "quiet_end"] = found
            elif key == "channels" and isinstance(value, dict):
                for name, found in value.items():
                    flat[f"channel_{name}"] = found.get("value", found) if isinstance(found, dict) else found
            else:
                flat[key] = value
        raise ValidationError(flat)


def as_document(prefs: Preferences) -> dict[str, Any]:
    """Preferences as the API shows them, with each topic's label and allowed channels."""
    quiet = prefs.quiet_hours
    return {
        "channels": {t.name: prefs.channel_for(t).value for t in CHOOSABLE},
        "quiet_hours": {"start": f"{quiet.start:%H:%M}", "end": f"{quiet.end:%H:%M}"} if quiet else None,
        "time_zone": prefs.time_zone, "daily_cap": prefs.daily_cap, "digest_at": f"{prefs.digest_at:%H:%M}",
        "topics": [{"name": t.name, "label": t.label, "channels": [c.value for c in t.channels]} for t in CHOOSABLE],
    }


def as_form_values(prefs: Preferences) -> dict[str, str]:
    document = as_document(prefs)
    quiet = document["quiet_hours"] or {"start": "", "end": ""}
    return {**{f"channel_{name}": c for name, c in document["channels"].items()},
            "quiet_start": quiet["start"], "quiet_end": quiet["end"], "time_zone": prefs.time_zone,
            "daily_cap": str(prefs.daily_cap), "digest_at": document["digest_at"]}


class PreferencesOut(Schema):
    channels = fields.Dict(keys=fields.String(), values=fields.String())
    quiet_hours = fields.Dict(allow_none=True)
    time_zone = fields.String()
    daily_cap = fields.Integer()
    digest_at = fields.String()
    topics = fields.List(fields.Dict())
