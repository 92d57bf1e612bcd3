// My stored value (储值卡): balances, top-up plans paid through the provider, my top-ups
// with their refund button (7 days unused: all back), and every movement of the wallet.

import { dateTime, t, term, yuan } from "/static/lib/i18n.js";
import { act, buttons, h, paged, toast } from "/static/lib/ui.js";

export function render(view, { api, reload }) {
  act(view, async () => {
    const wallet = await api.get("/me/wallet");
    const topUp = async (body) => {
      const order = await api.post("/me/wallet/topups", body);
      await api.post(`/me/wallet/topups/${order.id}/pay`);
      toast(t("wallet.topped_up"));
      reload();
    };
    const refund = async (topup) => {
      const done = await api.post(`/me/wallet/topups/${topup.id}/refund`);
      toast(t(`wallet.refund_${done.status}`));
      reload();
    };
    view.append(
      h("section", { id: "wallet", class: "card" },
        h("div", { class: "balance" }, h("span", {}, t("wallet.total")),
          h("strong", { id: "wallet-total" }, yuan(wallet.principal_fen + wallet.gift_fen))),
        h("div", { class: "small", id: "wallet-parts" }, t("wallet.parts", {
          principal: yuan(wallet.principal_fen), gift: yuan(wallet.gift_fen) }))),
      h("section", { id: "wallet-plans", class: "card" }, h("h2", {}, t("wallet.plans")),
        wallet.plans.length ? wallet.plans.map((plan) => h("div", { class: "plan", dataset: { plan: plan.code } },
          h("div", {}, h("b", {}, plan.name), h("div", { class: "small" }, t("wallet.plan_line", {
            amount: yuan(plan.amount_fen), gift: yuan(plan.gift_fen), points: plan.bonus_points }))),
          buttons([t("wallet.buy"), () => topUp({ plan_code: plan.code }), "primary"])))
          : h("p", { class: "small" }, t("wallet.no_plans")),
        h("p", { class: "small" }, t("wallet.legal"))),
      h("h1", {}, t("wallet.my_topups")),
      paged((cursor) => api.get("/me/wallet/topups", { cursor }), (topups) =>
        h("div", { id: "wallet-topups" }, topups.map((topup) => h("article", {
          class: "card topup", dataset: { topup: topup.id } },
          h("div", {}, `${yuan(topup.principal_fen)}`, topup.gift_fen
            ? ` + ${t("wallet.gift")} ${yuan(topup.gift_fen)}` : "", " · ",
            h("span", { class: `badge ${topup.status}` }, term(topup.status))),
          h("div", { class: "small" }, dateTime(topup.paid_at || topup.created_at)),
          buttons(topup.status === "paid" && [t("wallet.refund"), () => refund(topup)]))))),
      h("h1", {}, t("wallet.statement")),
      paged((cursor) => api.get("/me/wallet/transactions", { cursor }), (entries) =>
        h("ul", { id: "wallet-entries", class: "ledger" }, entries.map((entry) => h("li", {},
          h("span", {}, term(entry.type), h("div", { class: "small" }, dateTime(entry.created_at))),
          h("span", {}, yuan(entry.principal_fen + entry.gift_fen),
            h("div", { class: "small" }, t("wallet.after", { n: yuan(entry.balance_after_fen) }))))))));
  });
}
