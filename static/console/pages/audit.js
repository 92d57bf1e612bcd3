// The audit log: who did what, before and after, filtered by action, target or actor.

import { dateTime, t } from "/static/lib/i18n.js";
import { field, filtered, h, table } from "/static/lib/ui.js";

export function render(view, { api }) {
  const filters = h("form", { class: "toolbar" },
    field("action", t("audit.action")),
    field("target_type", t("audit.target_type")),
    field("target_id", t("audit.target_id")),
    field("actor_id", t("audit.actor_id"), { kind: "int" }),
    h("button", { class: "primary", type: "submit" }, t("ui.search")));
  view.append(h("h1", {}, t("nav.audit")), filters, filtered(filters,
    (query) => api.get("/admin/audit", query), (rows) => table([
      [t("audit.when"), (a) => dateTime(a.created_at)],
      [t("audit.actor_id"), (a) => a.actor_id ?? ""],
      [t("audit.action"), (a) => a.action],
      [t("audit.target"), (a) => `${a.target_type} #${a.target_id}`],
      [t("audit.change"), (a) => h("details", {}, h("summary", {}, t("audit.show")),
        h("pre", {}, JSON.stringify({ before: a.before, after: a.after }, null, 2)))],
      [t("audit.ip"), (a) => a.ip || ""],
    ], rows)));
}
