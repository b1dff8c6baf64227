"""What registration, login and the profile form accept (shared by the forms and the API)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from web.fields import Text

MIN_PASSWORD = 10


class RegistrationBody(Schema):
    business_name = Text(required=True, validate=validate.Length(min=2, max=120))
    city = Text(load_default="", validate=validate.Length(max=80))
    description = Text(load_default="", validate=validate.Length(max=2_000))
    display_name = Text(required=True, validate=validate.Length(min=1, max=120))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(
        min=MIN_PASSWORD, max=256, error=f"Use at least {MIN_PASSWORD} characters (at most 256)."))


class LoginBody(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=256))


class ProfileBody(Schema):
    city = Text(load_default="", validate=validate.Length(max=80))
    description = Text(load_default="", validate=validate.Length(max=2_000))


class _Form:
    class Meta:
        unknown = EXCLUDE


class RegistrationForm(_Form, RegistrationBody):
    pass


class LoginForm(_Form, LoginBody):
    pass


class ProfileForm(_Form, ProfileBody):
    pass
