// The pay code (付款码): a one-time code with its QR and a countdown, the points still
// pending and where they came from, and the phone verification that claims walk-in points.

import { dateTime, t } from "/static/lib/i18n.js";
import { act, buttons, field, h, readForm, toast } from "/static/lib/ui.js";

export function render(view, ctx) {
  const box = h("section", { id: "pay-code", class: "card pay-code" });
  view.append(box);
  act(view, async () => {
    const points = await ctx.api.get("/me/points");
    view.append(pendingSection(points), phoneSection(ctx));
  });
  show(ctx.api, box);
}

async function show(api, box) {
  await act(box, async () => {
    const code = await api.post("/me/pay-codes");
    const left = h("strong", { id: "countdown" });
    box.replaceChildren(
      h("h2", {}, t("pay.title")),
      h("img", { id: "pay-qr", src: code.qr_image, alt: code.qr_payload, width: 180,
                 height: 180 }),
      h("div", { id: "pay-digits", class: "pay-digits" }, code.code.replace(/(\d{4})/g, "$1 ")),
      h("p", { class: "small" }, t("pay.left"), " ", left, " ", t("pay.seconds")),
      h("p", { class: "small" }, t("pay.hint")),
      buttons([t("pay.refresh"), () => show(api, box)]));
    tick(api, box, left, new Date(code.expires_at).getTime());
  });
}

function tick(api, box, left, until) {
  const seconds = Math.max(0, Math.round((until - Date.now()) / 1000));
  left.textContent = String(seconds);
  if (!left.isConnected) return;  // the member left the page
  if (seconds === 0) {
    box.replaceChildren(h("p", { id: "pay-expired" }, t("pay.expired")),
      buttons([t("pay.refresh"), () => show(api, box), "primary"]));
    return;
  }
  setTimeout(() => tick(api, box, left, until), 1000);
}

function pendingSection(points) {
  return h("section", { id: "pending", class: "card" }, h("h2", {}, t("pay.pending")),
    points.pending?.length
      ? h("ul", { class: "ledger" }, points.pending.map((lot) => h("li", {},
        h("span", {}, t("pay.pending_from", { order: lot.order_no })),
        h("span", { class: "small" }, t("pay.available_at", { date: dateTime(lot.available_at) })),
        h("strong", {}, `+${lot.points}`))))
      : h("p", { class: "small" }, t("pay.none_pending")));
}

function phoneSection({ api, reload }) {
  const form = h("form", { id: "phone-form", class: "card" },
    h("h2", {}, t("phone.title")), h("p", { class: "small" }, t("phone.hint")),
    field("code", t("phone.code"), { required: true }),
    h("button", { class: "primary", type: "submit" }, t("phone.verify")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const result = await api.post("/me/phone", readForm(form));
      toast(t("phone.done", { phone: result.phone_masked, n: result.claimed_points }));
      reload();
    });
  });
  return form;
}
