// Log in as a member with a WeChat code; in development the fake WeChat takes "fake-<openid>".

import { t } from "/static/lib/i18n.js";
import { act, field, h, readForm } from "/static/lib/ui.js";

export function render(view, { api, done }) {
  const query = new URLSearchParams(location.search);
  const form = h("form", { id: "member-login", class: "card" },
    h("h1", {}, t("login.title")),
    h("p", { class: "hint" }, t("login.hint")),
    field("appid", t("login.appid"), { value: query.get("appid") || "wx-demo-jifen",
                                       required: true }),
    field("code", t("login.code"), { value: query.get("code") || "fake-demo-alice",
                                     required: true }),
    field("referral_code", t("login.referral_code"), { value: query.get("ref") }),
    h("button", { class: "primary", type: "submit" }, t("login.submit")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const { referral_code: referralCode, ...login } = readForm(form);
      await api.login("/auth/wechat/login",
        referralCode ? { ...login, referral_code: referralCode } : login, "member");
      done();
    });
  });
  view.append(form);
}
