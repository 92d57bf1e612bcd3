"""POST /api/v1/auth/*: WeChat and staff login, refresh rotation, logout."""

from flask_jwt_extended import get_jwt, jwt_required

from auth import service, tokens
from auth.schemas import (
    LogoutResultSchema,
    MemberLoginResultSchema,
    StaffLoginResultSchema,
    StaffLoginSchema,
    TokenPairSchema,
    WeChatLoginSchema,
)
from core.api import Blueprint
from core.ratelimit import throttled

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth",
                description="Member (WeChat) and staff login, token refresh and logout.")


@blp.post("/wechat/login")
@throttled("login")
@blp.arguments(WeChatLoginSchema)
@blp.response(200, MemberLoginResultSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def wechat_login(args):
    """Log a member in with a wx.login code (registers them on first login)."""
    return service.wechat_login(**args)


@blp.post("/staff/login")
@throttled("login")
@blp.arguments(StaffLoginSchema)
@blp.response(200, StaffLoginResultSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def staff_login(args):
    """Log a staff member in with username and password."""
    return service.staff_login(**args)


@blp.post("/refresh")
@jwt_required(refresh=True)
@blp.response(200, TokenPairSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.doc(security=tokens.BEARER)
def refresh():
    """Exchange a refresh token (Authorization header) for a new pair; the old one dies."""
    return tokens.rotate_refresh()


@blp.post("/logout")
@jwt_required(verify_type=False)
@blp.response(200, LogoutResultSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.doc(security=tokens.BEARER)
def logout():
    """Revoke the presented token and every token of its login (its refresh token too)."""
    tokens.revoke_family(get_jwt())
    return {"revoked": True}
