// Staff login; the merchant number is needed only when a username exists at several merchants.

import { t } from "/static/lib/i18n.js";
import { act, field, h, readForm } from "/static/lib/ui.js";

export function render(view, { api, done }) {
  const form = h("form", { id: "login-form", class: "card narrow" },
    h("h1", {}, t("login.title")),
    field("username", t("login.username"), { required: true }),
    field("password", t("login.password"), { kind: "password", required: true }),
    field("merchant_id", t("login.merchant_no"), { kind: "int" }),
    h("small", { class: "hint", id: "merchant-hint" }, t("login.merchant_hint")),
    h("button", { class: "primary", type: "submit" }, t("login.submit")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const { merchant_id: merchantId, ...credentials } = readForm(form);
      await api.login("/auth/staff/login",
        merchantId ? { merchant_id: merchantId, ...credentials } : credentials, "staff");
      done();
    });
  });
  view.append(form);
}
