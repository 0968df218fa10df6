"""Schemas shared by several API modules."""
from __future__ import annotations

import marshmallow as ma


class BranchSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    address = ma.fields.String(allow_none=True)
    timezone = ma.fields.String()
    is_active = ma.fields.Boolean()


class UserSchema(ma.Schema):
    """A user as documents 000, 001 and 002 describe one (their union)."""

    id = ma.fields.Integer()
    email = ma.fields.String()
    username = ma.fields.Method("get_username")
    full_name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    role = ma.fields.String()
    is_active = ma.fields.Boolean()
    totp_enabled = ma.fields.Boolean()
    created_at = ma.fields.DateTime()
    branches = ma.fields.List(ma.fields.Nested(BranchSchema))

    def get_username(self, user) -> str:
        return user.login_name


class TokenPairSchema(ma.Schema):
    access = ma.fields.String(metadata={"description": "Токен доступа (документ 002)"})
    refresh = ma.fields.String(metadata={"description": "Refresh-токен (документ 002)"})
    access_token = ma.fields.String(metadata={"description": "Токен доступа (документы 000/001)"})
    refresh_token = ma.fields.String(metadata={"description": "Refresh-токен (документы 000/001)"})
    token_type = ma.fields.String(metadata={"example": "bearer"})
    expires_in = ma.fields.Integer(metadata={"description": "Срок жизни токена доступа, с"})


class LoginResponseSchema(TokenPairSchema):
    user = ma.fields.Nested(UserSchema)
    branches = ma.fields.List(ma.fields.Nested(BranchSchema))


class RegisterResponseSchema(LoginResponseSchema):
    """001 reads the user's fields at the top level, 000 reads `user`."""

    id = ma.fields.Integer()
    email = ma.fields.String()
    full_name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
