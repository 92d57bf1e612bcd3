"""Request and response schemas of the lottery and contest endpoints."""

import marshmallow as ma
from marshmallow import validate

KINDS = ("points", "item", "none")
METRICS = ("spend_fen", "points_earned")
POSITIVE = validate.Range(1, 10**9)


class PrizeSchema(ma.Schema):
    """A prize: `stock` null is unlimited; `odds` (dump only) = weight ÷ Σ weights in play."""

    id = ma.fields.Integer(load_default=None, metadata={
        "description": "on PATCH: an existing prize to change; without: a new prize"})
    name = ma.fields.String(required=True, validate=validate.Length(1, 120))
    kind = ma.fields.String(required=True, validate=validate.OneOf(KINDS))
    points = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                               validate=POSITIVE)
    item_id = ma.fields.Integer(load_default=None, allow_none=True, strict=True)
    stock = ma.fields.Integer(load_default=None, allow_none=True, strict=True,
                              validate=validate.Range(0, 10**7))
    weight = ma.fields.Integer(required=True, strict=True, validate=POSITIVE)
    active = ma.fields.Boolean(dump_only=True)

    @ma.validates_schema
    def _kind_fields(self, data, **_kwargs):
        if data["kind"] == "points" and not data.get("points"):
            raise ma.ValidationError("A points prize needs points.", "points")
        if data["kind"] == "item" and not data.get("item_id"):
            raise ma.ValidationError("An item prize needs item_id.", "item_id")

    @ma.post_load
    def _clean(self, data, **_kwargs):
        if data["kind"] != "points":
            data["points"] = None
        if data["kind"] != "item":
            data["item_id"] = None
        if data.get("id") is None:
            data.pop("id", None)
        return data


class LotterySchema(ma.Schema):
    """A lottery as staff manage it; prizes with their database stock (units left)."""

    id = ma.fields.Integer(dump_only=True)
    title = ma.fields.String(required=True, validate=validate.Length(1, 120))
    cost_points = ma.fields.Integer(required=True, strict=True, validate=POSITIVE)
    daily_limit = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 1000))
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    prizes = ma.fields.List(ma.fields.Nested(PrizeSchema), attribute="live_prizes",
                            required=True, validate=validate.Length(1, 20))
    created_at = ma.fields.DateTime(dump_only=True)


LOTTERY_PATCH = ("title", "cost_points", "daily_limit", "starts_at", "ends_at", "prizes")


class MemberPrizeSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()
    points = ma.fields.Integer(allow_none=True)
    odds = ma.fields.Float(metadata={"description": "published probability (0–1) now"})


class MemberLotterySchema(ma.Schema):
    """A lottery as a member sees it: published odds given the stock left now."""

    id = ma.fields.Integer()
    title = ma.fields.String()
    cost_points = ma.fields.Integer()
    daily_limit = ma.fields.Integer()
    draws_left_today = ma.fields.Integer()
    starts_at = ma.fields.DateTime()
    ends_at = ma.fields.DateTime()
    prizes = ma.fields.List(ma.fields.Nested(MemberPrizeSchema))


class MemberLotteryListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(MemberLotterySchema))


class WonPrizeSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()
    points = ma.fields.Integer(allow_none=True)
    order_id = ma.fields.Integer(allow_none=True)


class DrawSchema(ma.Schema):
    """A draw: `prize` null is 谢谢参与; `weights` (prize id → weight) were in play and
    `roll` (0 ≤ roll < Σ weights) chose the prize: walk the prizes in id order."""

    draw_id = ma.fields.Integer(attribute="id")
    lottery_id = ma.fields.Integer()
    prize_id = ma.fields.Integer(metadata={"description": "the prize drawn, 谢谢参与 included"})
    prize = ma.fields.Method("_prize", allow_none=True)
    points_spent = ma.fields.Integer()
    points_won = ma.fields.Integer()
    weights = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    roll = ma.fields.Integer()
    created_at = ma.fields.DateTime()

    def _prize(self, draw):
        if draw.prize is None or draw.prize.kind == "none":
            return None
        return {"id": draw.prize.id, "name": draw.prize.name, "kind": draw.prize.kind,
                "points": draw.prize.points, "order_id": draw.order_id}


class PrizeStatsSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    kind = ma.fields.String()
    won = ma.fields.Integer()
    stock = ma.fields.Integer(allow_none=True)
    active = ma.fields.Boolean()


class LotteryStatsSchema(ma.Schema):
    """Draws, points spent and won, and per prize units won against stock left."""

    draws = ma.fields.Integer()
    points_spent = ma.fields.Integer()
    points_won = ma.fields.Integer()
    prizes = ma.fields.List(ma.fields.Nested(PrizeStatsSchema))


class AwardSchema(ma.Schema):
    rank_from = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 1000))
    rank_to = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 1000))
    points = ma.fields.Integer(required=True, strict=True, validate=POSITIVE)


class ContestSchema(ma.Schema):
    """A contest: scores in fen (`spend_fen`) or points (`points_earned`)."""

    id = ma.fields.Integer(dump_only=True)
    title = ma.fields.String(required=True, validate=validate.Length(1, 120))
    metric = ma.fields.String(required=True, validate=validate.OneOf(METRICS))
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    awards = ma.fields.List(ma.fields.Nested(AwardSchema), required=True,
                            validate=validate.Length(1, 20))
    settled_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)


CONTEST_PATCH = ("title", "metric", "starts_at", "ends_at", "awards")


class BoardRowSchema(ma.Schema):
    rank = ma.fields.Integer()
    nickname_masked = ma.fields.String()
    score = ma.fields.Integer()


class MyRankSchema(ma.Schema):
    rank = ma.fields.Integer()
    score = ma.fields.Integer()


class LeaderboardSchema(ma.Schema):
    """The top ten with masked nicknames, and the member's own rank (null when unranked)."""

    items = ma.fields.List(ma.fields.Nested(BoardRowSchema))
    me = ma.fields.Nested(MyRankSchema, allow_none=True)


class StandingSchema(ma.Schema):
    rank = ma.fields.Integer()
    member_id = ma.fields.Integer()
    nickname = ma.fields.String(allow_none=True)
    score = ma.fields.Integer()
    reached_at = ma.fields.DateTime()
    points = ma.fields.Integer(metadata={"description": "points this rank wins"})


class StandingsSchema(ma.Schema):
    """The whole ranking (top 100) as staff see it."""

    items = ma.fields.List(ma.fields.Nested(StandingSchema))
    settled_at = ma.fields.DateTime(allow_none=True)
