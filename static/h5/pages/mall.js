// The points mall: items on sale, redeem one, and pay the cash part of a points + cash item.

import { t, term, yuan } from "/static/lib/i18n.js";
import { buttons, field, h, paged, readForm, toast } from "/static/lib/ui.js";

export function render(view, { api }) {
  const delivery = h("form", { class: "card" },
    field("address", t("mall.address")));
  const redeem = async (item) => {
    const { address } = readForm(delivery);
    let order = await api.post("/mall/orders", { item_id: item.id, quantity: 1,
                                                 ...(item.type === "goods" && { address }) });
    if (order.status === "pending_payment") order = await api.post(`/mall/orders/${order.id}/pay`);
    toast(t("mall.done", { no: order.order_no }));
    location.hash = "#/orders";
  };
  view.append(h("h1", {}, t("tab.mall")), delivery,
    paged((cursor) => api.get("/mall/items", { cursor }), (items) =>
      h("div", { id: "mall-items", class: "items" }, items.map((item) =>
        h("article", { class: "card item", dataset: { item: item.id } },
          h("h2", {}, item.title),
          h("div", { class: "small" }, [term(item.type), item.category,
            item.min_tier && t("mall.min_tier", { tier: item.min_tier })].filter(Boolean).join(" · ")),
          h("div", { class: "price" }, `${item.points_price} ${t("mall.points")}`,
            item.cash_price_fen ? ` + ${yuan(item.cash_price_fen)}` : ""),
          h("div", { class: "small" }, t("mall.left", { n: item.stock_left }),
            item.my_remaining_limit == null ? "" : ` · ${t("mall.limit", { n: item.my_remaining_limit })}`),
          buttons([item.cash_price_fen ? t("mall.redeem_pay") : t("mall.redeem"),
                   () => redeem(item), "primary"]))))));
}
