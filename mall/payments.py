"""The cash part of an order: a payment provider interface and the sandbox provider.

A WeChat Pay adapter implements the same two calls and is selected with PAYMENT_PROVIDER.
"""

from typing import Protocol

from flask import current_app

from mall.models import Order


class PaymentProvider(Protocol):
    def charge(self, order: Order) -> str:
        """Collect the order's cash_fen; returns the provider's transaction id."""

    def refund(self, order: Order) -> str:
        """Return the order's cash_fen; returns the provider's refund id."""


class SandboxProvider:
    """Accepts every payment and refund at once (development and tests)."""

    def charge(self, order: Order) -> str:
        return f"sandbox-pay-{order.order_no}"

    def refund(self, order: Order) -> str:
        return f"sandbox-refund-{order.order_no}"


PROVIDERS: dict[str, type] = {"sandbox": SandboxProvider}


def provider() -> PaymentProvider:
    """The configured provider."""
    return PROVIDERS[current_app.config["PAYMENT_PROVIDER"]]()
