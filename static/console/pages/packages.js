// Package write-off at the counter: scan the member's package code, see the member, the
// package and the sessions left, then confirm one session.

import { dateTime, t, term } from "/static/lib/i18n.js";
import { act, ask, field, h, readForm } from "/static/lib/ui.js";

export function render(view, { api }) {
  const done = h("ul", { id: "package-uses", class: "card log" });
  const form = h("form", { id: "package-form", class: "card toolbar" },
    field("code", t("package.code"), { required: true }),
    h("button", { class: "primary", type: "submit" }, t("package.scan")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const { code } = readForm(form);
      const bare = code.trim().replace(/^jifen:\/\/package\//i, "");  // a scanned QR payload
      const found = await api.get(`/admin/packages/${encodeURIComponent(bare)}`);
      const confirmed = await ask({ id: "package-confirm", confirm: t("package.use"),
        message: t("package.confirm", { member: found.member_nickname || found.member_card_no,
          card: found.member_card_no, title: found.title, left: found.sessions_left,
          total: found.sessions_total, date: dateTime(found.expires_at),
          status: term(found.status) }) });
      if (!confirmed) return;
      const used = await api.post("/admin/packages/uses",
        { code: found.code, use_no: crypto.randomUUID() });
      done.prepend(h("li", { class: "ok" }, `${t("package.done")} ${used.title} · `,
        t("package.left", { left: used.sessions_left, total: used.sessions_total }),
        ` · ${dateTime(used.used_at)}`));
      form.reset();
    });
    form.querySelector("[name=code]").focus();
  });
  view.append(h("h1", {}, t("nav.packages")), h("p", { class: "hint" }, t("package.hint")),
    form, done);
  form.querySelector("[name=code]").focus();
}
