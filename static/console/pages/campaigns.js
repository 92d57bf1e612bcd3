// Campaigns editor: time-boxed multipliers, optionally for some tiers or item categories.

import { dateTime, t, term } from "/static/lib/i18n.js";
import { act, buttons, field, h, paged, readForm, table, toast } from "/static/lib/ui.js";

export function render(view, { api, reload }) {
  const slot = h("div", {}, editor(api, null, reload));
  const retire = async (campaign) => {
    await api.del(`/admin/campaigns/${campaign.id}`);
    reload();
  };
  view.append(h("h1", {}, t("nav.campaigns")), slot, paged(
    (cursor) => api.get("/admin/campaigns", { cursor }), (rows) => table([
      [t("campaign.name"), (c) => c.name],
      [t("campaign.multiplier"), (c) => `× ${c.multiplier}`],
      [t("campaign.window"), (c) => `${dateTime(c.starts_at)} → ${dateTime(c.ends_at)}`],
      [t("campaign.tiers"), (c) => c.tiers.join(", ")],
      [t("campaign.categories"), (c) => c.categories.join(", ")],
      [t("campaign.status"), (c) => term(c.status)],
      [t("ui.actions"), (c) => buttons(
        [t("ui.edit"), () => slot.replaceChildren(editor(api, c, reload))],
        [t("campaign.retire"), () => retire(c), "danger"])],
    ], rows)));
}

function editor(api, campaign, reload) {
  const form = h("form", { id: "campaign-form", class: "card form-grid" },
    h("h2", {}, campaign ? `${t("campaign.edit")} · ${campaign.name}` : t("campaign.new")),
    field("name", t("campaign.name"), { value: campaign?.name, required: true }),
    field("multiplier", t("campaign.multiplier"), { value: campaign?.multiplier ?? "2.00" }),
    field("starts_at", t("campaign.starts_at"), { kind: "datetime", value: campaign?.starts_at }),
    field("ends_at", t("campaign.ends_at"), { kind: "datetime", value: campaign?.ends_at }),
    field("tiers", t("campaign.tiers"), { kind: "list", value: campaign?.tiers }),
    field("categories", t("campaign.categories"), { kind: "list", value: campaign?.categories }),
    h("div", { class: "buttons" },
      h("button", { class: "primary", type: "submit" }, t("ui.save")),
      campaign ? h("button", { type: "button", onclick: reload }, t("ui.cancel")) : ""));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      await (campaign ? api.patch(`/admin/campaigns/${campaign.id}`, readForm(form))
        : api.post("/admin/campaigns", readForm(form)));
      toast(t("ui.saved"));
      reload();
    });
  });
  return form;
}
