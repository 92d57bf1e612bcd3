"""Extension points: what loyalty asks of higher packages (till, care, crm) and uses the answer of.

loyalty never imports those packages; app.py fills each slot once at startup
(`hooks.counter = till.counter`, …). Until then each slot behaves as if the package were absent.
Fire-and-forget hooks are core/events.py events instead (e.g. events.POS_ORDER_CREDITED).
"""

from core.errors import NotFound


class NoCounter:
    """The till's counter hooks into POS earning and refunds (slot `counter`, till.counter)."""

    @staticmethod
    def walk_in_purchase(merchant, **order):
        return None

    @staticmethod
    def on_order(merchant, order, *, redemption_no):
        return None

    @staticmethod
    def hold_pending(merchant, member_id, order_no, points):
        return False

    @staticmethod
    def order_extras(order):
        return {}

    @staticmethod
    def on_refund(merchant, order, *, refund_no, refunded_fen, claw):
        return 0

    @staticmethod
    def points_returned(merchant_id, refund_no):
        return 0

    @staticmethod
    def walk_in_refund(merchant, **refund):
        raise NotFound("Unknown order_no.")


class NoPending:
    """Points held outside the ledger until released (slot `pending`, till.pending)."""

    @staticmethod
    def live_query(member_id):
        """A select of (points, available_at, order_no) of the member's pending points."""
        return None

    @staticmethod
    def failures():
        return []


class NoAdvisors:
    """The member's advisor for the card (slot `advisors`, care.advisors)."""

    @staticmethod
    def name_of(merchant_id, member_id):
        return None


class NoPackageNotices:
    """Expiry notices of other things a member holds (slot `package_notices`, care.notices)."""

    @staticmethod
    def queue_expiring(merchant, moment):
        return 0


class NoSegments:
    """Segment membership for segment-targeted campaigns (slot `segments`, crm.segments)."""

    @staticmethod
    def check_targetable(merchant_id, segment_id):
        return None

    @staticmethod
    def targets(merchant_id, segment_id, member_id):
        return segment_id is None


counter = NoCounter
pending = NoPending
advisors = NoAdvisors
package_notices = NoPackageNotices
segments = NoSegments
