// My orders and my vouchers, each voucher with the QR code a clerk scans in store.

import { dateTime, t, term, yuan } from "/static/lib/i18n.js";
import { buttons, h, paged } from "/static/lib/ui.js";

const CANCELLABLE = ["pending_payment", "paid"];

export function render(view, { api, reload }) {
  const change = async (order, action) => {
    await api.post(`/mall/orders/${order.id}/${action}`);
    reload();
  };
  view.append(h("h1", {}, t("orders.vouchers")),
    paged((cursor) => api.get("/me/vouchers", { cursor }), (vouchers) =>
      h("div", { id: "vouchers" }, vouchers.map((voucher) => voucherCard(api, voucher)))),
    h("h1", {}, t("tab.orders")),
    paged((cursor) => api.get("/me/orders", { cursor }), (orders) =>
      h("div", { id: "orders" }, orders.map((order) => h("article", { class: "card order" },
        h("h2", {}, `${order.item_title} × ${order.quantity}`),
        h("div", { class: "small" }, `${order.order_no} · ${dateTime(order.created_at)}`),
        order.address ? h("div", { class: "small" }, t("orders.address", { address: order.address }))
          : "",
        h("div", {}, `${order.points} ${t("mall.points")}`,
          order.cash_fen ? ` + ${yuan(order.cash_fen)}` : "", " · ",
          h("span", { class: `badge ${order.status}` }, term(order.status))),
        buttons(
          order.status === "pending_payment" && [t("orders.pay"), () => change(order, "pay"), "primary"],
          CANCELLABLE.includes(order.status) && [t("orders.cancel"), () => change(order, "cancel")]))))));
}

function voucherCard(api, voucher) {
  const qr = h("img", { alt: voucher.qr_payload, width: 96, height: 96 });
  if (voucher.status === "issued") {
    api.blobUrl(`/me/vouchers/${voucher.code}/qr.png`).then((url) => { qr.src = url; });
  }
  return h("article", { class: `card voucher ${voucher.status}`, dataset: { code: voucher.code } },
    h("div", {},
      h("div", { class: "code" }, voucher.code),
      h("div", {}, h("span", { class: `badge ${voucher.status}` }, term(voucher.status))),
      h("div", { class: "small" }, t("orders.expires", { date: dateTime(voucher.expires_at) }))),
    voucher.status === "issued" ? qr : "");
}
