"""GET /api/v1/admin/analytics/* (owner, manager): JSON, and the same as *.csv."""

from flask import g

from analytics import service
from analytics.reports import columns_of, metric_rows, summary_rows, to_csv
from analytics.schemas import (
    ChurnArgs,
    ChurnMemberSchema,
    ChurnReportSchema,
    EngagementSchema,
    ExpiringArgs,
    ExpiringMemberSchema,
    ExpiringReportSchema,
    PeriodArgs,
    RepurchaseSchema,
    SeriesArgs,
    SeriesPointSchema,
    SeriesSchema,
    SummarySchema,
    TopItemsArgs,
    TopItemSchema,
    TopItemsReportSchema,
)
from auth.tokens import staff_required
from core import merchants
from core.api import Blueprint
from engagement import referrals

blp = Blueprint("analytics", __name__, url_prefix="/api/v1/admin/analytics",
                description="Points issued/redeemed/expired, liability, members (JSON and CSV).")
MANAGERS = ("owner", "manager")
METRICS = ["metric", "value"]
REFERRALS_CSV_ROWS = 1000
REFERRAL_COLUMNS = ["rank", "member_id", "nickname", "card_no", "invited", "qualified",
                    "points_earned", "conversion_rate"]


def _merchant():
    return merchants.get(g.merchant_id)


def _summary(args):
    return service.summary(_merchant(), args["from_"], args["to"])


def _series(args):
    return {"items": service.timeseries(_merchant(), args["from_"], args["to"], args["bucket"])}


@blp.get("/summary")
@staff_required(*MANAGERS)
@blp.arguments(PeriodArgs, location="query")
@blp.response(200, SummarySchema)
def get_summary(args):
    """Issued, redeemed, expired, redemption rate, liability, new/active members, tiers."""
    return _summary(args)


@blp.get("/summary.csv")
@staff_required(*MANAGERS)
@blp.arguments(PeriodArgs, location="query")
@blp.response(200, content_type="text/csv")
def get_summary_csv(args):
    """The summary as CSV (metric, value)."""
    names = {tier["code"]: tier["name"] for tier in _merchant().rules["tiers"]}
    return to_csv(summary_rows(_summary(args), names), "summary.csv", METRICS)


@blp.get("/engagement")
@staff_required(*MANAGERS)
@blp.arguments(PeriodArgs, location="query")
@blp.response(200, EngagementSchema)
def get_engagement(args):
    """Check-ins, shares and visits, referrals and activity tasks of the period."""
    return service.engagement(_merchant(), args["from_"], args["to"])


@blp.get("/engagement.csv")
@staff_required(*MANAGERS)
@blp.arguments(PeriodArgs, location="query")
@blp.response(200, content_type="text/csv")
def get_engagement_csv(args):
    """The engagement figures as CSV (metric, value)."""
    return to_csv(metric_rows(service.engagement(_merchant(), args["from_"], args["to"])),
                  "engagement.csv", METRICS)


@blp.get("/timeseries")
@staff_required(*MANAGERS)
@blp.arguments(SeriesArgs, location="query")
@blp.response(200, SeriesSchema)
def get_timeseries(args):
    """Issued/redeemed/expired per local day, week or month."""
    return _series(args)


@blp.get("/timeseries.csv")
@staff_required(*MANAGERS)
@blp.arguments(SeriesArgs, location="query")
@blp.response(200, content_type="text/csv")
def get_timeseries_csv(args):
    """The time series as CSV."""
    return to_csv(_series(args)["items"], "timeseries.csv", columns_of(SeriesPointSchema))


@blp.get("/churn")
@staff_required(*MANAGERS)
@blp.arguments(ChurnArgs, location="query")
@blp.response(200, ChurnReportSchema)
def get_churn(args):
    """Members idle for more than `idle_days` (churn warning)."""
    return {"items": service.churn(_merchant(), args["idle_days"])}


@blp.get("/churn.csv")
@staff_required(*MANAGERS)
@blp.arguments(ChurnArgs, location="query")
@blp.response(200, content_type="text/csv")
def get_churn_csv(args):
    """The churn warning list as CSV."""
    return to_csv(service.churn(_merchant(), args["idle_days"]), "churn.csv",
                  columns_of(ChurnMemberSchema))


@blp.get("/expiring")
@staff_required(*MANAGERS)
@blp.arguments(ExpiringArgs, location="query")
@blp.response(200, ExpiringReportSchema)
def get_expiring(args):
    """Members whose points expire within `within_days`."""
    return {"items": service.expiring(_merchant(), args["within_days"])}


@blp.get("/expiring.csv")
@staff_required(*MANAGERS)
@blp.arguments(ExpiringArgs, location="query")
@blp.response(200, content_type="text/csv")
def get_expiring_csv(args):
    """Members with points expiring soon, as CSV."""
    return to_csv(service.expiring(_merchant(), args["within_days"]), "expiring.csv",
                  columns_of(ExpiringMemberSchema))


@blp.get("/repurchase")
@staff_required(*MANAGERS)
@blp.response(200, RepurchaseSchema)
def get_repurchase():
    """Members with two or more purchases in 12 months, over all buyers."""
    return service.repurchase(_merchant())


@blp.get("/repurchase.csv")
@staff_required(*MANAGERS)
@blp.response(200, content_type="text/csv")
def get_repurchase_csv():
    """The repurchase rate as CSV."""
    return to_csv([service.repurchase(_merchant())], "repurchase.csv",
                  columns_of(RepurchaseSchema))


def _top_items(args):
    return service.top_items(_merchant(), args["from_"], args["to"], args["limit"])


@blp.get("/items")
@staff_required(*MANAGERS)
@blp.arguments(TopItemsArgs, location="query")
@blp.response(200, TopItemsReportSchema)
def get_top_items(args):
    """Top mall items of the period by units sold (paid, not cancelled or refunded)."""
    return {"items": _top_items(args)}


@blp.get("/items.csv")
@staff_required(*MANAGERS)
@blp.arguments(TopItemsArgs, location="query")
@blp.response(200, content_type="text/csv")
def get_top_items_csv(args):
    """Top items as CSV."""
    return to_csv(_top_items(args), "top-items.csv", columns_of(TopItemSchema))


@blp.get("/referrals.csv")
@staff_required(*MANAGERS)
@blp.response(200, content_type="text/csv")
def get_referrals_csv():
    """The referral leaderboard as CSV (the first 1000 referrers)."""
    board = referrals.leaderboard(g.merchant_id, limit=REFERRALS_CSV_ROWS, cursor=None)
    return to_csv(board["items"], "referrals.csv", REFERRAL_COLUMNS)
