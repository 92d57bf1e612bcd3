// Mall orders: filter by status; who ordered and where it goes; ship (with the address and a
// tracking number), complete, refund; an order's details in a drawer.

import { dateTime, t, term, yuan } from "/static/lib/i18n.js";
import { ask, buttons, drawer, field, filtered, h, table, toast } from "/static/lib/ui.js";
import { memberLabel, memberLink } from "/static/lib/words.js";

const STATUSES = ["pending_payment", "paid", "shipped", "completed", "cancelled", "refunded"];
const STEPS = ["created_at", "paid_at", "shipped_at", "completed_at", "cancelled_at",
  "refunded_at"];

export function render(view, { api, reload }) {
  const filters = h("form", { class: "toolbar" },
    field("status", t("order.status"), {
      options: [["", t("ui.all")], ...STATUSES.map((s) => [s, term(s)])] }),
    field("member_id", t("order.member_no"), { kind: "int" }),
    h("button", { class: "primary", type: "submit" }, t("ui.search")));
  const change = async (order, action, body) => {
    await api.post(`/admin/orders/${order.id}/${action}`, body);
    toast(t("ui.saved"));
    reload();
  };
  const ship = async (order) => {
    const answer = await ask({ id: "ship-dialog", confirm: t("order.ship"),
      message: t("order.ship_confirm", { no: order.order_no, item: order.item_title }),
      fields: [h("dl", { class: "facts ship-facts" },
        h("dt", {}, t("order.member_name")), h("dd", {}, memberLabel(order.member)),
        h("dt", {}, t("order.address")),
        h("dd", { class: "ship-address" }, order.address || t("order.no_address"))),
      field("tracking_no", t("order.tracking_no"))] });
    return answer && change(order, "ship", answer);
  };
  const refund = async (order) => (await ask({ id: "refund-dialog", danger: true,
    confirm: t("order.refund"), message: t("order.refund_confirm", { no: order.order_no }) }))
    && change(order, "refund");
  view.append(h("h1", {}, t("nav.orders")), filters, filtered(filters,
    (query) => api.get("/admin/orders", query), (rows) => table([
      [t("order.order_no"), (o) => h("button", { type: "button", class: "link order-open",
        onclick: () => details(o) }, o.order_no)],
      [t("order.item"), (o) => `${o.item_title} × ${o.quantity}`],
      [t("order.points"), (o) => o.points],
      [t("order.cash"), (o) => (o.cash_fen ? yuan(o.cash_fen) : "")],
      [t("order.member_name"), (o) => memberLink(h, o.member, o.member_id)],
      [t("order.where"), where],
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

/** Where the order goes: the delivery address of goods, the store of a pickup. */
function where(order) {
  if (order.address) return h("span", { class: "address" }, order.address);
  if (order.store_name) return `${t("order.store")}：${order.store_name}`;
  return order.item_type === "goods" ? t("order.no_address") : t("order.in_store");
}

/** The order's member, item, money, payment, vouchers and history in a side drawer. */
export function details(order) {
  const facts = [
    ["order.order_no", order.order_no], ["order.member_name", memberLabel(order.member)],
    ["order.item", `${order.item_title} × ${order.quantity}（${term(order.item_type)}）`],
    ["order.points", order.points], ["order.cash", yuan(order.cash_fen)],
    ["order.status", term(order.status)], ["order.where", where(order)],
    ["order.tracking_no", order.tracking_no], ["order.payment_ref", order.payment_ref],
    ["order.refund_ref", order.refund_ref],
  ].filter(([, value]) => value != null && value !== "");
  return drawer({ id: "order-drawer", title: `${t("order.title")} ${order.order_no}`, content: [
    h("dl", { class: "facts" }, facts.flatMap(([key, value]) =>
      [h("dt", {}, t(key)), h("dd", {}, value)])),
    order.vouchers?.length ? [h("h3", {}, t("order.vouchers")), table([
      [t("voucher.code"), (v) => v.code], [t("order.status"), (v) => term(v.status)],
      [t("voucher.used_at"), (v) => dateTime(v.used_at)],
      [t("voucher.expires_at"), (v) => dateTime(v.expires_at)]], order.vouchers)] : "",
    h("h3", {}, t("order.history")),
    h("ol", { class: "history" }, STEPS.filter((step) => order[step]).map((step) =>
      h("li", {}, `${t(`order.step.${step}`)} · ${dateTime(order[step])}`))),
  ] });
}
