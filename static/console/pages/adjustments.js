// Adjustments and the approval queue: managers approve or reject what others requested.

import { dateTime, signed, t } from "/static/lib/i18n.js";
import { buttons, field, filtered, h, table, toast } from "/static/lib/ui.js";
import { loadNames, memberLink, staffName } from "/static/lib/words.js";

const STATUSES = ["pending_approval", "applied", "rejected"];
const APPROVERS = ["owner", "manager"];

export function render(view, { api, staff, reload }) {
  const filters = h("form", { class: "toolbar" }, field("status", t("adjust.status"), {
    options: [...STATUSES.map((s) => [s, t(`adjust.result.${s}`)]), ["", t("ui.all")]] }));
  const decide = async (adjustment, decision) => {
    await api.post(`/admin/adjustments/${adjustment.id}/${decision}`);
    toast(t(`adjust.done.${decision}`));
    reload();
  };
  const canDecide = (a) => APPROVERS.includes(staff.role) && a.status === "pending_approval" &&
    a.requested_by !== staff.id;
  let names = null;
  view.append(h("h1", {}, t("nav.adjustments")), filters, filtered(filters,
    async (query) => {
      names ??= await loadNames(api);
      return api.get("/admin/adjustments", query);
    }, (rows) => table([
      ["ID", (a) => a.id],
      [t("adjust.member"), (a) => memberLink(h, a.member, a.member_id)],
      [t("adjust.delta"), (a) => signed(a.delta)],
      [t("adjust.reason_code"), (a) => t(`reason.${a.reason_code}`)],
      [t("adjust.note"), (a) => a.note || ""],
      [t("adjust.status"), (a) => h("span", { class: `badge ${a.status}` },
        t(`adjust.result.${a.status}`))],
      [t("adjust.requested_by"), (a) => staffName(names, a.requested_by)],
      [t("adjust.approved_by"), (a) => staffName(names, a.approved_by)],
      [t("ledger.created_at"), (a) => dateTime(a.created_at)],
      [t("ui.actions"), (a) => canDecide(a) && buttons(
        [t("adjust.approve"), () => decide(a, "approve"), "primary"],
        [t("adjust.reject"), () => decide(a, "reject")])],
    ], rows)));
}
