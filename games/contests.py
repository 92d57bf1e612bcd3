"""Points contests: staff editing, the live leaderboard, and settlement exactly once.

Scores come from the database (`loyalty.totals`): for `spend_fen` the cash of POS orders
paid in the window net of refunds made in the window, for `points_earned` the points earned
in the window net of POS clawbacks. Ties go to whoever reached the score first (the time of
their last scoring event). The leaderboard is a Redis sorted set built from those totals and
kept `BOARD_TTL` seconds, so it needs no hooks in the POS or the ledger and can always be
rebuilt; settlement reads the database itself.
"""

from datetime import datetime

from sqlalchemy import select

from auth.models import Staff
from core import audit, keys
from core.clock import now
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db, rds
from games.models import Contest, ContestAward
from loyalty import ledger, totals
from loyalty.models import Member

FIELDS = ("title", "metric", "starts_at", "ends_at", "awards")
BOARD_TTL = 10  # seconds: how stale a live leaderboard may be
NOT_EARNINGS = ("contest_award", "lottery_prize")  # prizes do not feed contests


# ---- pure rules -------------------------------------------------------------------------

def rank(scores: dict[int, tuple[int, datetime]]) -> list[tuple[int, int, int, datetime]]:
    """[(rank, member_id, score, reached_at)]: higher score first, then who reached it first;
    members without a positive score are not ranked."""
    ordered = sorted(((score, reached, member_id) for member_id, (score, reached)
                      in scores.items() if score > 0), key=lambda r: (-r[0], r[1], r[2]))
    return [(i, member_id, score, reached)
            for i, (score, reached, member_id) in enumerate(ordered, start=1)]


def prizes(awards: list[dict], standings: list[tuple]) -> list[tuple[int, int, int, int]]:
    """[(member_id, rank, score, points)] for the ranks that win points."""
    won = []
    for place, member_id, score, _reached in standings:
        points = next((a["points"] for a in awards
                       if a["rank_from"] <= place <= a["rank_to"]), 0)
        if points:
            won.append((member_id, place, score, points))
    return won


def mask(nickname: str | None) -> str:
    """张** : the first character only (PIPL)."""
    return (nickname[:1] if nickname else "") + "**"


def check_awards(awards: list[dict]) -> None:
    """Ranges start at 1 or more, end at or after their start and do not overlap."""
    spans = sorted((a["rank_from"], a["rank_to"]) for a in awards)
    for i, (low, high) in enumerate(spans):
        if high < low:
            raise ValidationFailed(details={"awards": ["rank_to must be ≥ rank_from."]})
        if i and low <= spans[i - 1][1]:
            raise ValidationFailed(details={"awards": ["Rank ranges overlap."]})


# ---- staff ------------------------------------------------------------------------------

def snapshot(contest: Contest) -> dict:
    """The audit view of a contest."""
    plain = {f: getattr(contest, f) for f in FIELDS}
    plain["starts_at"], plain["ends_at"] = (contest.starts_at.isoformat(),
                                            contest.ends_at.isoformat())
    return plain


def create(staff: Staff, data: dict) -> Contest:
    """A new contest, audited."""
    contest = Contest(merchant_id=staff.merchant_id, **data)
    _check(contest)
    db.session.add(contest)
    db.session.flush()
    audit.record(merchant_id=staff.merchant_id, action="contest.create", target_type="contest",
                 target_id=contest.id, after=snapshot(contest))
    db.session.commit()
    return contest


def update(staff: Staff, contest_id: int, changes: dict) -> Contest:
    """Change a contest not yet settled, audited; its leaderboard is rebuilt on next read."""
    contest = _lock(staff.merchant_id, contest_id)
    if contest.settled_at is not None:
        raise Conflict("This contest is already settled.")
    before = snapshot(contest)
    for field, value in changes.items():
        setattr(contest, field, value)
    _check(contest)
    audit.record(merchant_id=staff.merchant_id, action="contest.update", target_type="contest",
                 target_id=contest.id, before=before, after=snapshot(contest))
    rds.delete(*_board_keys(contest))
    db.session.commit()
    return contest


def _check(contest: Contest) -> None:
    if contest.starts_at >= contest.ends_at:
        raise ValidationFailed(details={"ends_at": ["Must be after starts_at."]})
    check_awards(contest.awards)


def _lock(merchant_id: int, contest_id: int) -> Contest:
    contest = db.session.execute(
        select(Contest).where(Contest.id == contest_id, Contest.merchant_id == merchant_id)
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if contest is None:
        raise NotFound("Unknown contest.")
    return contest


def get(merchant_id: int, contest_id: int) -> Contest:
    """A contest of this merchant, or NOT_FOUND."""
    contest = db.session.get(Contest, contest_id)
    if contest is None or contest.merchant_id != merchant_id:
        raise NotFound("Unknown contest.")
    return contest


def of_merchant(merchant_id: int):
    """A select of the merchant's contests (paginate it)."""
    return select(Contest).where(Contest.merchant_id == merchant_id)


def standings(contest: Contest) -> list[tuple[int, int, int, datetime]]:
    """The contest's ranking from the database, now."""
    if contest.metric == "spend_fen":
        scores = totals.spend(contest.merchant_id, contest.starts_at, contest.ends_at)
    else:
        scores = totals.earned(contest.merchant_id, contest.starts_at, contest.ends_at,
                               excluding=NOT_EARNINGS)
    return rank(scores)


def staff_standings(merchant_id: int, contest_id: int, limit: int = 100) -> dict:
    """The ranking as staff see it: names, member ids, and the points each rank wins."""
    contest = get(merchant_id, contest_id)
    ranked = standings(contest)[:limit]
    names = totals.nicknames(merchant_id, [member_id for _, member_id, _, _ in ranked])
    won = {member_id: points for member_id, _, _, points in prizes(contest.awards, ranked)}
    return {"items": [{"rank": place, "member_id": member_id, "nickname": names.get(member_id),
                       "score": score, "reached_at": reached, "points": won.get(member_id, 0)}
                      for place, member_id, score, reached in ranked],
            "settled_at": contest.settled_at}


# ---- members ----------------------------------------------------------------------------

def visible(member: Member):
    """A select of contests members may see: started ones."""
    return of_merchant(member.merchant_id).where(Contest.starts_at <= now())


def leaderboard(member: Member, contest_id: int, limit: int = 10) -> dict:
    """The top `limit` with masked nicknames, and the member's own rank (Redis, rebuilt
    from the database when it has lapsed)."""
    contest = get(member.merchant_id, contest_id)
    board, entries = _board_keys(contest)
    if not rds.exists(entries):
        _build(contest)
    pipe = rds.pipeline(transaction=False)
    pipe.zrange(board, 0, limit - 1, withscores=True)
    pipe.hget(entries, str(member.id))
    top, mine = pipe.execute()
    ids = [int(element.rsplit(":", 1)[1]) for element, _ in top]
    names = totals.nicknames(member.merchant_id, ids)
    items = [{"rank": i, "nickname_masked": mask(names.get(member_id)), "score": int(-score)}
             for i, (member_id, (_, score)) in enumerate(zip(ids, top, strict=True), start=1)]
    return {"items": items, "me": _me(board, mine)}


def _me(board: str, element: str | None) -> dict | None:
    if element is None:
        return None
    place, score = rds.zrank(board, element), rds.zscore(board, element)
    return None if place is None else {"rank": place + 1, "score": int(-score)}


def _board_keys(contest: Contest) -> tuple[str, str]:
    return (keys.contest_board(contest.merchant_id, contest.id),
            keys.contest_entries(contest.merchant_id, contest.id))


def _build(contest: Contest) -> None:
    """Replace the sorted set at once: score = −points, and equal scores order by the
    element "<reached, µs>:<member>", so whoever reached the score first ranks first."""
    board, entries = _board_keys(contest)
    elements = {f"{int(reached.timestamp() * 1e6):017d}:{member_id}": (member_id, -score)
                for _, member_id, score, reached in standings(contest)}
    pipe = rds.pipeline(transaction=True)
    pipe.delete(board, entries)
    if elements:
        pipe.zadd(board, {element: s for element, (_, s) in elements.items()})
        pipe.expire(board, BOARD_TTL)
    pipe.hset(entries, mapping={"_built": "1", **{
        str(member_id): element for element, (member_id, _) in elements.items()}})
    pipe.expire(entries, BOARD_TTL)
    pipe.execute()


# ---- settlement -------------------------------------------------------------------------

def settle_due() -> dict:
    """Award every contest that ended and is not settled; safe to run twice at once."""
    due = db.session.execute(select(Contest.merchant_id, Contest.id).where(
        Contest.ends_at <= now(), Contest.settled_at.is_(None)).order_by(Contest.id)).all()
    settled = []
    for merchant_id, contest_id in due:
        contest = _lock(merchant_id, contest_id)
        if contest.settled_at is not None:  # another run settled it meanwhile
            db.session.rollback()
            continue
        awarded = _award(contest)
        contest.settled_at = now()
        db.session.commit()
        settled.append({"contest_id": contest_id, "awarded": awarded})
    db.session.rollback()
    return {"settled": settled}


def _award(contest: Contest) -> int:
    won = prizes(contest.awards, standings(contest))
    for member_id, place, score, points in won:
        entry = ledger.post(
            merchant_id=contest.merchant_id, member_id=member_id, amount=points, type="earn",
            reason="contest_award", ref=ledger.Ref("contest", str(contest.id)),
            idempotency_key=f"contest-award:{contest.id}:{member_id}")
        db.session.add(ContestAward(contest_id=contest.id, member_id=member_id, rank=place,
                                    score=score, points=points, entry_id=entry.id))
    return len(won)
