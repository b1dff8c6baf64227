"""Account → Notifications and GET/PUT /api/v1/account/notification-preferences."""

from __future__ import annotations

from tests.builders import a_staff_user

PREFS = "/api/v1/account/notification-preferences"
GOOD_FORM = {"channel_deals": "digest", "channel_reviews": "in_app", "channel_reminders": "email",
             "quiet_start": "22:00", "quiet_end": "07:00", "time_zone": "Europe/Paris", "daily_cap": "5",
             "digest_at": "08:30"}


def test_a_member_sets_channels_quiet_hours_and_cap_on_the_page(visitor, member):
    person = visitor(member())
    page = person.get("/account/notifications").get_data(as_text=True)
    assert 'name="channel_deals"' in page and 'value="UTC"' in page and 'value="10"' in page
    assert 'name="channel_saved_searches"' not in page  # chosen per saved search

    saved = person.post("/account/notifications", GOOD_FORM)

    assert saved.status_code == 303
    page = person.get("/account/notifications").get_data(as_text=True)
    assert '<option value="digest" selected>Daily digest</option>' in page
    assert '<option value="in_app" selected>Inbox only</option>' in page
    assert 'value="22:00"' in page and 'value="07:00"' in page and 'value="Europe/Paris"' in page
    assert 'value="5"' in page and 'value="08:30"' in page


def test_malformed_settings_are_refused_with_each_fields_error(visitor, member):
    person = visitor(member())
    refused = person.post("/account/notifications", {**GOOD_FORM, "time_zone": "Mars/Olympus", "daily_cap": "0",
                                                     "quiet_end": "22:00", "channel_reminders": "digest"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    for field in ("time_zone", "daily_cap"):
        assert f'data-testid="error-{field}"' in page
    assert 'value="Mars/Olympus"' in page  # what was typed stays

    only_quiet = person.post("/account/notifications", {**GOOD_FORM, "quiet_end": "22:00"})
    assert only_quiet.status_code == 422 and 'data-testid="error-quiet_end"' in only_quiet.get_data(as_text=True)

    reminders = person.post("/account/notifications", {**GOOD_FORM, "channel_reminders": "digest"})
    assert reminders.status_code == 422
    assert "cannot wait for the digest" in reminders.get_data(as_text=True)


def test_the_settings_form_needs_its_csrf_token_and_a_member(visitor, member, app, database_url):
    person = visitor(member())
    assert person.client.post("/account/notifications", data=GOOD_FORM).status_code == 400
    staff = visitor(a_staff_user(database_url, "finance"))
    assert staff.get("/account/notifications").status_code == 404
    assert visitor().get("/account/notifications").status_code in (302, 303)


def test_the_api_reads_and_replaces_preferences(api, member):
    client = api(member())
    defaults = client.get(PREFS).json
    assert defaults["daily_cap"] == 10 and defaults["quiet_hours"] is None and defaults["channels"]["deals"] == "email"
    reminders = next(t for t in defaults["topics"] if t["name"] == "reminders")
    assert reminders["channels"] == ["email", "in_app"]

    body = {"channels": {"deals": "digest"}, "quiet_hours": {"start": "21:30", "end": "06:45:00"},
            "time_zone": "America/New_York", "daily_cap": 3, "digest_at": "07:00"}
    replaced = client.client.put(PREFS, json=body, headers=client.headers)

    assert replaced.status_code == 200
    again = client.get(PREFS).json
    assert again["channels"]["deals"] == "digest" and again["channels"]["disputes"] == "email"
    assert again["quiet_hours"] == {"start": "21:30", "end": "06:45"}
    assert (again["time_zone"], again["daily_cap"], again["digest_at"]) == ("America/New_York", 3, "07:00")


def test_the_api_refuses_malformed_preferences_with_field_errors(api, member, database_url):
    client = api(member())
    put = lambda body: client.client.put(PREFS, json=body, headers=client.headers)  # noqa: E731
    answer = put({"channels": {"reminders": "digest", "nonsense": "email"}, "daily_cap": 1000,
                  "quiet_hours": {"start": "25:00", "end": "07:00"}, "time_zone": "Nowhere/Town"})
    assert answer.status_code == 422
    errors = answer.json["errors"]
    assert any(k.startswith("channels") for k in errors) and "daily_cap" in errors
    assert any(k.startswith("quiet_hours") for k in errors)
    refused = put({"channels": {"payments": "digest"}, "time_zone": "Nowhere/Town"})
    assert refused.status_code == 422 and {"channels.payments", "time_zone"} <= set(refused.json["errors"])
    assert client.get(PREFS).json["daily_cap"] == 10  # nothing was saved
    assert api().get(PREFS).status_code == 401
    assert api(a_staff_user(database_url, "arbitrator")).get(PREFS).status_code == 404
