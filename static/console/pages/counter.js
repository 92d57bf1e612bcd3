// The counter (收银台): enter the bill, scan or type the member's pay code, see what points
// may pay, redeem, and void a redemption the same day if the bill is abandoned.

import { t, yuan } from "/static/lib/i18n.js";
import { act, buttons, field, h, readForm } from "/static/lib/ui.js";

const PAY_PREFIX = "jifen://pay/";

export function render(view, { api }) {
  const quoteBox = h("div", { id: "quote" });
  const done = h("ul", { id: "redemptions", class: "card log" });
  const form = h("form", { id: "counter-form", class: "card toolbar" },
    field("amount_fen", t("counter.amount"), { kind: "yuan", required: true }),
    field("pay_code", t("counter.pay_code"), { required: true }),
    field("category", t("counter.category")),
    h("button", { class: "primary", type: "submit" }, t("counter.quote")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const bill = billOf(form);
      const quote = await api.post("/admin/counter/quote", bill);
      quoteBox.replaceChildren(quoteCard(api, form, bill, quote, done));
    });
  });
  view.append(h("h1", {}, t("nav.counter")), h("p", { class: "hint" }, t("counter.hint")),
    form, quoteBox, done);
  form.querySelector("[name=amount_fen]").focus();
}

function billOf(form) {
  const bill = readForm(form);
  bill.pay_code = (bill.pay_code || "").replace(PAY_PREFIX, "").replace(/\s+/g, "");
  if (!bill.category) delete bill.category;
  return bill;
}

function quoteCard(api, form, bill, quote, done) {
  const redeemForm = h("form", { id: "points-form", class: "card toolbar" },
    h("h2", {}, t("counter.member", { name: quote.nickname || t("counter.no_name"),
                                       card: quote.card_no })),
    h("p", { id: "quote-summary" }, t("counter.summary", {
      balance: quote.balance, max: quote.max_points, discount: yuan(quote.max_discount_fen),
      rate: quote.fen_per_point, step: quote.step })),
    field("points", t("counter.points"), { kind: "int", value: quote.max_points, required: true }),
    h("button", { class: "primary", type: "submit", disabled: !quote.max_points },
      t("counter.redeem")));
  redeemForm.addEventListener("submit", (event) => {
    event.preventDefault();
    act(redeemForm, async () => {
      const { points } = readForm(redeemForm);
      const result = await api.post("/admin/counter/redemptions", {
        ...bill, points, redemption_no: `console-${crypto.randomUUID()}` });
      done.prepend(redemptionLine(api, result));
      redeemForm.remove();
      form.reset();
    });
  });
  return redeemForm;
}

function redemptionLine(api, result) {
  const line = h("li", { class: "ok" }, t("counter.done", {
    points: result.points, discount: yuan(result.discount_fen), balance: result.balance }), " ");
  line.append(buttons([t("counter.void"), async () => {
    const voided = await api.post(
      `/admin/counter/redemptions/${encodeURIComponent(result.redemption_no)}/void`);
    line.replaceChildren(t("counter.voided", { points: voided.points_returned,
                                                balance: voided.balance }));
  }]));
  return line;
}
