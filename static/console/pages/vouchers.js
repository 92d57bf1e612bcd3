// Voucher write-off at the counter: type the code, or let a scanner type the QR payload.

import { dateTime, t, term } from "/static/lib/i18n.js";
import { act, field, h, readForm } from "/static/lib/ui.js";

export function render(view, { api }) {
  const done = h("ul", { id: "written-off", class: "card log" });
  const form = h("form", { id: "redeem-form", class: "card toolbar" },
    field("code", t("voucher.code"), { required: true }),
    h("button", { class: "primary", type: "submit" }, t("voucher.redeem")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const voucher = await api.post("/admin/vouchers/redeem", readForm(form));
      done.prepend(h("li", { class: "ok" }, `${t("voucher.done")} ${voucher.code} · `,
        `${term(voucher.status)} · ${dateTime(voucher.used_at)} · ${t("voucher.order")} #${voucher.order_id}`));
      form.reset();
    });
    form.querySelector("[name=code]").focus();
  });
  view.append(h("h1", {}, t("nav.vouchers")), h("p", { class: "hint" }, t("voucher.hint")),
    form, done);
  form.querySelector("[name=code]").focus();
}
