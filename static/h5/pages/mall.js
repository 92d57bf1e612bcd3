// The points mall: items on sale with their pictures; an item the member cannot take now has
// its button disabled with the reason; goods ask for the delivery address (the last one
// remembered on this device); the cash part of a points + cash item is paid at once. A flash
// item (秒杀排队) answers with a ticket: the member waits in the queue until it is written.

import { t, term, yuan } from "/static/lib/i18n.js";
import { ask, buttons, field, h, paged, toast } from "/static/lib/ui.js";

const LAST_ADDRESS = "jifen.h5.address";
const POLL_MS = 1000;

export function render(view, { api }) {
  const redeem = async (item) => {
    const body = { item_id: item.id, quantity: 1 };
    if (item.type === "goods") {
      const answer = await ask({ id: "address-dialog", confirm: t("mall.confirm_address"),
        message: t("mall.address_for", { title: item.title }),
        fields: [field("address", t("mall.address"), { kind: "textarea", required: true,
                                                         value: localStorage.getItem(LAST_ADDRESS) })] });
      if (!answer) return;
      body.address = answer.address;
      localStorage.setItem(LAST_ADDRESS, answer.address);
    }
    let order = await api.post("/mall/orders", body);
    if (order.ticket) order = await waitInQueue(api, order.ticket);
    if (order.status === "pending_payment") order = await api.post(`/mall/orders/${order.id}/pay`);
    toast(t("mall.done", { no: order.order_no }));
    location.hash = "#/orders";
  };
  view.append(h("h1", {}, t("tab.mall")),
    paged((cursor) => api.get("/mall/items", { cursor }), (items) =>
      h("div", { id: "mall-items", class: "items" }, items.map((item) => card(item, redeem)))));
}

/** Poll a flash order's ticket until the writer wrote it (→ the order) or it failed (throws). */
async function waitInQueue(api, ticket) {
  const banner = h("div", { id: "flash-queue", class: "toast", role: "status" }, t("mall.queued"));
  document.body.append(banner);
  try {
    for (;;) {
      await new Promise((done) => setTimeout(done, POLL_MS));
      const state = await api.get(`/me/flash-tickets/${ticket}`);
      if (state.status === "failed") {
        throw Object.assign(new Error(state.error.message), { status: 409, ...state.error });
      }
      if (state.status !== "queued") return api.get(`/me/orders/${state.order_id}`);
    }
  } finally {
    banner.remove();
  }
}

function card(item, redeem) {
  const reason = item.unavailable_reason;
  const label = item.cash_price_fen ? t("mall.redeem_pay") : t("mall.redeem");
  const why = reason && t(`mall.why.${reason}`, { tier: item.min_tier_name || item.min_tier });
  const reasonId = `why-${item.id}`;
  return h("article", { class: "card item", dataset: { item: item.id, reason: reason || "" } },
    item.images?.[0] ? h("img", { class: "picture", src: item.images[0], alt: item.title,
                                  loading: "lazy" }) : "",
    h("h2", {}, item.title, item.flash ? h("span", { class: "badge flash" }, t("mall.flash")) : ""),
    h("div", { class: "small" }, [term(item.type), item.category,
      item.min_tier && t("mall.min_tier", { tier: item.min_tier_name || item.min_tier })]
      .filter(Boolean).join(" · ")),
    h("div", { class: "price" }, `${item.points_price} ${t("mall.points")}`,
      item.cash_price_fen ? ` + ${yuan(item.cash_price_fen)}` : ""),
    h("div", { class: "small" }, t("mall.left", { n: item.stock_left }),
      item.my_remaining_limit == null ? "" : ` · ${t("mall.limit", { n: item.my_remaining_limit })}`),
    reason
      ? h("div", { class: "actions" },
        h("button", { type: "button", disabled: true, "aria-describedby": reasonId }, label),
        h("span", { class: "reason", id: reasonId }, why))
      : buttons([label, () => redeem(item), "primary"]));
}
