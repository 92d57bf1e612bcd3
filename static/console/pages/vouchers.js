// Voucher write-off at the counter: type the code or scan the QR; the clerk first sees which
// member, which service and which order it is, then confirms. A used, expired or void voucher
// is explained in words instead of being written off.

import { dateTime, t, term } from "/static/lib/i18n.js";
import { act, field, h, readForm } from "/static/lib/ui.js";
import { memberLabel } from "/static/lib/words.js";

const QR_PREFIX = "jifen://voucher/";

export function render(view, { api }) {
  const done = h("ul", { id: "written-off", class: "card log", "aria-live": "polite" });
  const confirmBox = h("section", { id: "voucher-confirm", "aria-live": "polite" });
  const form = h("form", { id: "redeem-form", class: "card toolbar" },
    field("code", t("voucher.code"), { required: true }),
    h("button", { class: "primary", type: "submit" }, t("voucher.lookup")));
  const codeInput = form.querySelector("[name=code]");
  const again = () => { form.reset(); confirmBox.replaceChildren(); codeInput.focus(); };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const code = readForm(form).code.replace(QR_PREFIX, "").toUpperCase();
      const voucher = await api.get(`/admin/vouchers/${encodeURIComponent(code)}`);
      confirmBox.replaceChildren(card(voucher, { api, done, again }));
      confirmBox.querySelector("button")?.focus();
    });
  });
  view.append(h("h1", {}, t("nav.vouchers")), h("p", { class: "hint" }, t("voucher.hint")),
    form, confirmBox, done);
  codeInput.focus();
}

function card(voucher, { api, done, again }) {
  const usable = voucher.status === "issued";
  const box = h("div", { class: `card voucher-card ${voucher.status}` },
    h("h2", {}, usable ? t("voucher.check") : t(`voucher.not_usable.${voucher.status}`, {
      when: dateTime(voucher.used_at), date: dateTime(voucher.expires_at) })),
    h("dl", { class: "facts" },
      h("dt", {}, t("voucher.member")), h("dd", { class: "voucher-member" },
        memberLabel(voucher.member)),
      h("dt", {}, t("voucher.service")), h("dd", { class: "voucher-item" },
        `${voucher.item_title}（${term(voucher.item_type)}）`),
      h("dt", {}, t("voucher.order")), h("dd", {}, voucher.order_no),
      h("dt", {}, t("voucher.status")), h("dd", {}, term(voucher.status)),
      h("dt", {}, t("voucher.expires_at")), h("dd", {}, dateTime(voucher.expires_at))));
  const actions = h("div", { class: "actions" });
  if (usable) {
    actions.append(h("button", { type: "button", class: "primary", id: "confirm-redeem",
      onclick: () => act(box, async () => {
        const used = await api.post("/admin/vouchers/redeem", { code: voucher.code });
        done.prepend(h("li", { class: "ok" }, t("voucher.done_line", {
          member: memberLabel(voucher.member), item: voucher.item_title,
          no: voucher.order_no, when: dateTime(used.used_at) })));
        again();
      }) }, t("voucher.confirm")));
  }
  actions.append(h("button", { type: "button", onclick: again }, t("voucher.next")));
  box.append(actions);
  return box;
}
