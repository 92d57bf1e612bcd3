"""What members and staff see of a wallet."""

from core.extensions import db
from loyalty.models import Member
from wallet import ledger, settings, topups
from wallet.models import Topup, WalletEntry


def mine(member: Member) -> dict:
    """The member's balances and the plans on offer."""
    wallet = ledger.balance(member.merchant_id, member.id)
    return {"principal_fen": wallet.principal_fen, "gift_fen": wallet.gift_fen,
            "plans": settings.of(member.merchant_id)["plans"]}


def for_staff(member: Member, limit: int = 50) -> dict:
    """Balances, the latest entries and top-ups of one member."""
    wallet = ledger.balance(member.merchant_id, member.id)
    entries = db.session.execute(ledger.entries(member.merchant_id, member.id)
                                 .order_by(WalletEntry.id.desc()).limit(limit)).scalars().all()
    recent = db.session.execute(topups.of_member(member.merchant_id, member.id)
                                .order_by(Topup.id.desc()).limit(limit)).scalars().all()
    return {"member_id": member.id, "principal_fen": wallet.principal_fen,
            "gift_fen": wallet.gift_fen, "entries": entries, "topups": recent}
