"""Lottery and contest endpoints: members draw and follow leaderboards, staff edit."""

from flask import g, request

from auth.tokens import member_required, staff_required
from core.api import Blueprint, document_errors
from core.extensions import db
from core.idempotency import HEADER, idempotent
from core.pagination import ListArgs, page_schema, paginate
from games import contests, lottery
from games.models import Contest, Draw, Lottery
from games.schemas import (
    CONTEST_PATCH,
    LOTTERY_PATCH,
    ContestSchema,
    DrawSchema,
    LeaderboardSchema,
    LotterySchema,
    LotteryStatsSchema,
    MemberLotteryListSchema,
    MemberLotterySchema,
    StandingsSchema,
)

blp = Blueprint("games", __name__, url_prefix="/api/v1",
                description="Points games for members: the lottery and contests.")
admin_blp = Blueprint("admin_games", __name__, url_prefix="/api/v1/admin",
                      description="Merchant console: lotteries and contests.")
MANAGERS = ("owner", "manager")


def _errors(*statuses: int):
    """Document the contract errors a view answers besides its guards' (OpenAPI)."""
    return lambda view: document_errors(view, *statuses)


def _page(query, column, args: dict) -> dict:
    return paginate(db.session, query, column, limit=args.pop("limit"),
                    cursor=args.pop("cursor"))


@blp.get("/lotteries")
@member_required
@blp.response(200, MemberLotteryListSchema)
def list_lotteries():
    """Lotteries open now, with published odds and the member's draws left today."""
    return {"items": lottery.active(g.member)}


@blp.get("/lotteries/<int:lottery_id>")
@member_required
@blp.response(200, MemberLotterySchema)
def get_lottery(lottery_id):
    """One lottery: odds renormalised over the prizes with stock left now."""
    return lottery.for_member(g.member, lottery_id)


@blp.post("/lotteries/<int:lottery_id>/draws")
@_errors(403, 404, 409, 503)  # frozen; unknown; limit, stock, points, closed; Redis down
@member_required
@idempotent
@blp.response(201, DrawSchema)
def draw(lottery_id):
    """Draw once: the cost is debited and the prize awarded in one operation."""
    return lottery.draw(g.member, lottery_id, request.headers.get(HEADER))


@blp.get("/me/draws")
@member_required
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(DrawSchema, "DrawPage"))
def list_my_draws(args):
    """The member's draws, newest first, each with the weights it was drawn from."""
    return _page(lottery.of_member(g.member), Draw.id, args)


@blp.get("/contests")
@member_required
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(ContestSchema, "MemberContestPage"))
def list_contests(args):
    """Contests that have started (running and ended), newest first."""
    return _page(contests.visible(g.member), Contest.id, args)


@blp.get("/contests/<int:contest_id>/leaderboard")
@member_required
@blp.response(200, LeaderboardSchema)
def get_leaderboard(contest_id):
    """The top ten with masked nicknames and the member's own rank."""
    return contests.leaderboard(g.member, contest_id)


@admin_blp.get("/lotteries")
@staff_required(*MANAGERS)
@admin_blp.arguments(ListArgs, location="query")
@admin_blp.response(200, page_schema(LotterySchema, "LotteryPage"))
def list_admin_lotteries(args):
    """The merchant's lotteries, newest first."""
    return _page(lottery.of_merchant(g.merchant_id), Lottery.id, args)


@admin_blp.post("/lotteries")
@staff_required(*MANAGERS)
@idempotent
@admin_blp.arguments(LotterySchema)
@admin_blp.response(201, LotterySchema)
def create_lottery(args):
    """Create a lottery with its prizes (item prizes name on-sale items)."""
    return lottery.create(g.staff, args)


@admin_blp.get("/lotteries/<int:lottery_id>")
@staff_required(*MANAGERS)
@admin_blp.response(200, LotterySchema)
def get_admin_lottery(lottery_id):
    """One lottery with its prizes' database stock."""
    return lottery.get(g.merchant_id, lottery_id)


@admin_blp.patch("/lotteries/<int:lottery_id>")
@_errors(404, 503)  # Redis follows the change before the commit
@staff_required(*MANAGERS)
@admin_blp.arguments(LotterySchema(partial=LOTTERY_PATCH))
@admin_blp.response(200, LotterySchema)
def update_lottery(args, lottery_id):
    """Change a lottery; `prizes` is the whole list (prizes left out retire)."""
    return lottery.update(g.staff, lottery_id, args)


@admin_blp.get("/lotteries/<int:lottery_id>/stats")
@staff_required(*MANAGERS)
@admin_blp.response(200, LotteryStatsSchema)
def get_lottery_stats(lottery_id):
    """Draws, points spent and won, prizes awarded against stock left."""
    return lottery.stats(g.merchant_id, lottery_id)


@admin_blp.get("/contests")
@staff_required(*MANAGERS)
@admin_blp.arguments(ListArgs, location="query")
@admin_blp.response(200, page_schema(ContestSchema, "ContestPage"))
def list_admin_contests(args):
    """The merchant's contests, newest first."""
    return _page(contests.of_merchant(g.merchant_id), Contest.id, args)


@admin_blp.post("/contests")
@staff_required(*MANAGERS)
@idempotent
@admin_blp.arguments(ContestSchema)
@admin_blp.response(201, ContestSchema)
def create_contest(args):
    """Create a contest over a window with awards by rank."""
    return contests.create(g.staff, args)


@admin_blp.get("/contests/<int:contest_id>")
@staff_required(*MANAGERS)
@admin_blp.response(200, ContestSchema)
def get_admin_contest(contest_id):
    """One contest."""
    return contests.get(g.merchant_id, contest_id)


@admin_blp.patch("/contests/<int:contest_id>")
@_errors(404, 409)  # 409: already settled
@staff_required(*MANAGERS)
@admin_blp.arguments(ContestSchema(partial=CONTEST_PATCH))
@admin_blp.response(200, ContestSchema)
def update_contest(args, contest_id):
    """Change a contest that is not settled yet."""
    return contests.update(g.staff, contest_id, args)


@admin_blp.get("/contests/<int:contest_id>/standings")
@staff_required(*MANAGERS)
@admin_blp.response(200, StandingsSchema)
def get_standings(contest_id):
    """The whole ranking from the database, with the points each rank wins."""
    return contests.staff_standings(g.merchant_id, contest_id)
