// Mall orders: filter by status; ship (with a tracking number), complete, refund.

import { dateTime, t, term, yuan } from "/static/lib/i18n.js";
import { ask, buttons, field, filtered, h, table, toast } from "/static/lib/ui.js";

const STATUSES = ["pending_payment", "paid", "shipped", "completed", "cancelled", "refunded"];

export function render(view, { api, reload }) {
  const filters = h("form", { class: "toolbar" },
    field("status", t("order.status"), {
      options: [["", t("ui.all")], ...STATUSES.map((s) => [s, term(s)])] }),
    field("member_id", t("order.member"), { kind: "int" }),
    h("button", { class: "primary", type: "submit" }, t("ui.search")));
  const change = async (order, action, body) => {
    await api.post(`/admin/orders/${order.id}/${action}`, body);
    toast(t("ui.saved"));
    reload();
  };
  const ship = async (order) => {
    const answer = await ask({ id: "ship-dialog", confirm: t("order.ship"),
      message: t("order.ship_confirm", { no: order.order_no, item: order.item_title }),
      fields: [field("tracking_no", t("order.tracking_no"))] });
    return answer && change(order, "ship", answer);
  };
  const refund = async (order) => (await ask({ id: "refund-dialog", danger: true,
    confirm: t("order.refund"), message: t("order.refund_confirm", { no: order.order_no }) }))
    && change(order, "refund");
  view.append(h("h1", {}, t("nav.orders")), filters, filtered(filters,
    (query) => api.get("/admin/orders", query), (rows) => table([
      [t("order.order_no"), (o) => o.order_no],
      [t("order.item"), (o) => `${o.item_title} × ${o.quantity}`],
      [t("order.points"), (o) => o.points],
      [t("order.cash"), (o) => (o.cash_fen ? yuan(o.cash_fen) : "")],
      [t("order.member"), (o) => h("a", { href: `#/members/${o.member_id}` }, `#${o.member_id}`)],
      [t("order.status"), (o) => h("span", { class: `badge ${o.status}` }, term(o.status))],
      [t("order.tracking_no"), (o) => o.tracking_no || ""],
      [t("order.created_at"), (o) => dateTime(o.created_at)],
      [t("ui.actions"), (o) => buttons(
        o.status === "paid" && o.item_type === "goods" && [t("order.ship"), () => ship(o)],
        ["paid", "shipped"].includes(o.status) &&
          [t("order.complete"), () => change(o, "complete")],
        ["paid", "shipped", "completed"].includes(o.status) &&
          [t("order.refund"), () => refund(o), "danger"])],
    ], rows)));
}
