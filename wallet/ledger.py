"""The wallet ledger: `post` is the only function that changes a wallet's balances.

Lock order, on every path: the operation's own row (top-up, payment, refund), then the
wallet account, then the points account (bonus points). `post` runs inside the caller's
transaction; the account row lock (SELECT … FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on
SQLite) serialises a member's payments, and CHECK constraints keep both parts ≥ 0.
"""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import events
from core.clock import now
from core.errors import InsufficientFunds
from core.extensions import db
from wallet.models import WalletAccount, WalletEntry
from wallet.split import Parts

CHANGED = events.WALLET_CHANGED  # published with the entry, in the caller's transaction
TYPES = ("topup", "payment", "payment_refund", "topup_refund", "gift_forfeit", "correction")


def _locked(merchant_id: int, member_id: int) -> WalletAccount | None:
    return db.session.execute(
        select(WalletAccount).where(WalletAccount.merchant_id == merchant_id,
                                    WalletAccount.member_id == member_id)
        .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()


def lock_account(merchant_id: int, member_id: int, *, create: bool = False
                 ) -> WalletAccount | None:
    """Load and lock a member's wallet for the rest of the transaction (opened if asked)."""
    account = _locked(merchant_id, member_id)
    if account is not None or not create:
        return account
    try:
        with db.session.begin_nested():
            db.session.add(WalletAccount(merchant_id=merchant_id, member_id=member_id,
                                         principal_fen=0, gift_fen=0))
    except IntegrityError:
        pass  # opened by a concurrent transaction: lock that one
    return _locked(merchant_id, member_id)


def parts(account: WalletAccount | None) -> Parts:
    """The balances of a wallet (zero when it was never opened)."""
    if account is None:
        return Parts(0, 0)
    return Parts(account.principal_fen, account.gift_fen)


def post(account: WalletAccount, *, principal_fen: int, gift_fen: int, type: str,
         reason: str, ref: tuple[str, str], operator_id: int | None = None,
         store_id: int | None = None, note: str | None = None) -> WalletEntry:
    """Append one entry and move the locked account's balances with it."""
    assert type in TYPES, type
    principal, gift = account.principal_fen + principal_fen, account.gift_fen + gift_fen
    if principal < 0 or gift < 0:
        raise InsufficientFunds(details={"principal_fen": account.principal_fen,
                                         "gift_fen": account.gift_fen})
    account.principal_fen, account.gift_fen = principal, gift
    entry = WalletEntry(merchant_id=account.merchant_id, account_id=account.id,
                        member_id=account.member_id, type=type, reason_code=reason,
                        principal_fen=principal_fen, gift_fen=gift_fen,
                        principal_after=principal, gift_after=gift, ref_type=ref[0],
                        ref_id=str(ref[1]), operator_id=operator_id, store_id=store_id,
                        note=note, created_at=now())
    db.session.add(entry)
    db.session.flush()
    events.publish(CHANGED, entry=entry)
    return entry


def balance(merchant_id: int, member_id: int) -> Parts:
    """A member's wallet as this transaction sees it (no lock)."""
    return parts(db.session.execute(select(WalletAccount).where(
        WalletAccount.merchant_id == merchant_id,
        WalletAccount.member_id == member_id)).scalar_one_or_none())


def entries(merchant_id: int, member_id: int):
    """A select of a member's wallet entries (paginate it)."""
    return select(WalletEntry).where(WalletEntry.merchant_id == merchant_id,
                                     WalletEntry.member_id == member_id)
