// The audit log: who did what, before and after in words, filtered by action, target or actor.

import { dateTime, t } from "/static/lib/i18n.js";
import { act, field, filtered, h, table } from "/static/lib/ui.js";
import { actionText, changeLines, loadNames, staffName } from "/static/lib/words.js";

const ACTIONS = ["adjustment.request", "adjustment.approve", "adjustment.reject",
  "entry.reverse", "member.frozen", "member.active", "member.anonymise", "activity.credit",
  "item.create", "item.update", "item.retire", "item.stock", "order.ship", "order.complete",
  "order.refund", "voucher.redeem", "rules.replace", "campaign.create", "campaign.update",
  "campaign.delete"];
const TARGETS = ["member", "item", "order", "voucher", "campaign", "adjustment", "entry", "rules"];

export function render(view, { api }) {
  act(view, async () => {
    const names = await loadNames(api);
    const filters = h("form", { class: "toolbar" },
      field("action", t("audit.action"), { options: [["", t("ui.all")],
        ...ACTIONS.map((a) => [a, actionText(a)])] }),
      field("target_type", t("audit.target_type"), { options: [["", t("ui.all")],
        ...TARGETS.map((target) => [target, t(`target.${target}`)])] }),
      field("target_id", t("audit.target_no")),
      field("actor_id", t("audit.actor"), { kind: "int", options: [["", t("ui.all")],
        ...[...names.staff.values()].map((s) => [s.id, staffName(names, s.id)])] }),
      h("button", { class: "primary", type: "submit" }, t("ui.search")));
    view.append(h("h1", {}, t("nav.audit")), filters, filtered(filters,
      (query) => api.get("/admin/audit", query), (rows) => table([
        [t("audit.when"), (a) => dateTime(a.created_at)],
        [t("audit.actor"), (a) => staffName(names, a.actor_id)],
        [t("audit.action"), (a) => actionText(a.action)],
        [t("audit.target"), target],
        [t("audit.change"), (a) => h("ul", { class: "changes" },
          changeLines(a.before, a.after).map((line) => h("li", {}, line)))],
        [t("audit.ip"), (a) => a.ip || ""],
      ], rows)));
  });
}

function target(record) {
  const label = `${t(`target.${record.target_type}`, {}, record.target_type)} ${
    record.after?.order_no || record.before?.order_no || `#${record.target_id ?? ""}`}`;
  return record.target_type === "member"
    ? h("a", { href: `#/members/${record.target_id}` }, label) : label;
}
