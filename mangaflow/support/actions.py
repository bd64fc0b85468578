"""Safe actions: small, allow-listed operations on the caller's own account, each with a
strict argument schema. A tenant enables them one by one in its agent configuration; the
model can call no other. Offline they act on records in the tenant's scope of the item table
(orders, contact preferences and an outbox of receipt re-sends); on a tenant's real systems
the same tools wrap its API.

=================  ===========================  ==========================================
item               PK                           SK
=================  ===========================  ==========================================
order              T#ORDERS                     ORDER#order_id   (customer_id, status, ...)
contact pref.      T#USER#user_id               CONTACT
receipt re-send    T#OUTBOX                     at#order_id
=================  ===========================  ==========================================
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from mangaflow.platform.errors import NotFound
from mangaflow.platform.ports import ItemTable, Put
from mangaflow.platform.requests.model import utcnow
from mangaflow.platform.requests.store import strip_keys
from mangaflow.support.tenancy import Principal, require, scoped
from mangaflow.support.tools import Args, CallContext, Tool, ToolResult

ORDER_ID = r"^[A-Z0-9][A-Z0-9-]{3,31}$"
OrderStatus = Literal["placed", "paid", "shipped", "delivered", "cancelled", "refunded"]
Channel = Literal["email", "sms", "phone", "none"]


class OrderArgs(Args):
    order_id: str = Field(pattern=ORDER_ID, description="the order number, e.g. ORD-10023")


class ContactArgs(Args):
    channel: Channel = Field(description="how we may contact the user")


class OrderBook:
    """The tenant's orders and customer records the safe actions read and change."""

    def __init__(self, table: ItemTable) -> None:
        self.table = table

    def put_order(self, principal: Principal, order_id: str, customer_id: str,
                  status: OrderStatus, **details: Any) -> None:  # fmt: skip
        """Record an order (tenant staff; an import from the tenant's shop)."""
        require(principal, "agent", "recording orders")
        OrderArgs(order_id=order_id)
        self.table.put(Put({"PK": scoped(principal.tenant_id, "ORDERS"), "SK": f"ORDER#{order_id}",
                            "order_id": order_id, "customer_id": customer_id, "status": status,
                            "updated_at": utcnow(), **details}))  # fmt: skip

    def order(self, principal: Principal, order_id: str) -> dict[str, Any]:
        """The order if it is the caller's (staff: any of the tenant's); else ``NotFound``."""
        item = self.table.get(scoped(principal.tenant_id, "ORDERS"), f"ORDER#{order_id}")
        if item is None or (
            not principal.has("agent") and item["customer_id"] != principal.user_id
        ):
            raise NotFound(f"no order {order_id!r} on your account")
        return strip_keys(item)

    def contact_preference(self, principal: Principal) -> str | None:
        item = self.table.get(scoped(principal.tenant_id, "USER", principal.user_id), "CONTACT")
        return str(item["channel"]) if item else None

    def outbox(self, principal: Principal) -> list[dict[str, Any]]:
        require(principal, "agent", "reading the outbox")
        return [strip_keys(r) for r in self.table.query(scoped(principal.tenant_id, "OUTBOX"))]


def action_tools(orders: OrderBook) -> list[Tool]:
    """``check_order_status``, ``resend_receipt`` and ``update_contact_preference``."""

    def status(p: Principal, a: OrderArgs, ctx: CallContext) -> ToolResult:
        order = orders.order(p, a.order_id)
        return ToolResult({"order_id": a.order_id, "status": order["status"],
                           "updated_at": order["updated_at"]})  # fmt: skip

    def resend(p: Principal, a: OrderArgs, ctx: CallContext) -> ToolResult:
        order = orders.order(p, a.order_id)
        at = utcnow()
        orders.table.put(Put({"PK": scoped(p.tenant_id, "OUTBOX"), "SK": f"{at}#{a.order_id}",
                              "kind": "receipt", "order_id": a.order_id,
                              "customer_id": order["customer_id"], "at": at}))  # fmt: skip
        return ToolResult({"order_id": a.order_id, "receipt": "queued for re-sending"})

    def contact(p: Principal, a: ContactArgs, ctx: CallContext) -> ToolResult:
        orders.table.put(Put({"PK": scoped(p.tenant_id, "USER", p.user_id), "SK": "CONTACT",
                              "channel": a.channel, "updated_at": utcnow()}))  # fmt: skip
        return ToolResult({"channel": a.channel, "updated": True})

    return [
        Tool("check_order_status", "The status of one of the user's orders.", OrderArgs,
             "customer", status, action=True),
        Tool("resend_receipt", "Send the receipt of one of the user's orders again.",
             OrderArgs, "customer", resend, action=True),
        Tool("update_contact_preference", "Set how the user wants to be contacted.",
             ContactArgs, "customer", contact, action=True),
    ]  # fmt: skip


SAFE_ACTIONS: tuple[str, ...] = (
    "check_order_status",
    "resend_receipt",
    "update_contact_preference",
)
