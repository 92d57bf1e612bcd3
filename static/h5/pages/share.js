// Share and invite: a share link whose visits earn points, and the member's referral code.

import { t } from "/static/lib/i18n.js";
import { act, buttons, h } from "/static/lib/ui.js";

export function render(view, { api }) {
  act(view, async () => {
    const referral = await api.get("/me/referral");
    const link = h("div", { id: "share-link" });
    const share = async () => {
      const made = await api.post("/me/shares", { target_type: "page" });
      link.replaceChildren(h("p", {}, t("share.made")), h("code", {}, made.url_path));
    };
    view.append(h("h1", {}, t("tab.share")),
      h("section", { class: "card" }, h("h2", {}, t("share.title")),
        h("p", { class: "small" }, t("share.hint")),
        buttons([t("share.button"), share, "primary"]), link),
      h("section", { id: "referral", class: "card" }, h("h2", {}, t("referral.title")),
        h("div", { class: "referral-code" }, referral.code),
        h("p", { class: "small" }, t("referral.hint")),
        h("p", {}, t("referral.stats", { invited: referral.invited,
          qualified: referral.qualified, points: referral.points_earned }))));
  });
}
