// My follow-ups (回访): due and overdue counts, the list, and recording an outcome
// (optionally crediting the care-visit activity).

import { dateTime, t, term } from "/static/lib/i18n.js";
import { act, ask, buttons, field, filtered, h, table, toast } from "/static/lib/ui.js";

const STATUSES = ["", "scheduled", "due", "overdue", "done"];
const OUTCOMES = ["reached", "no_answer", "declined"];

export function render(view, ctx) {
  const counts = h("div", { id: "follow-up-counts", class: "card kpis" });
  const form = h("form", { id: "follow-up-filter", class: "toolbar" },
    field("status", t("followup.status"), { value: "",
      options: STATUSES.map((s) => [s, s ? term(s) : t("ui.all")]) }),
    h("button", { class: "primary", type: "submit" }, t("ui.search")));
  view.append(h("h1", {}, t("nav.followups")), counts, form,
    filtered(form, (query) => ctx.api.get("/admin/follow-ups",
      { ...query, status: query.status || undefined, assignee: "me" }),
    (rows) => table([
      [t("followup.member"), (f) => h("a", { href: `#/members/${f.member_id}` }, t("followup.open"))],
      [t("followup.order"), (f) => f.order_no],
      [t("followup.due_on"), (f) => f.due_on],
      [t("followup.status"), (f) => h("span", { class: `badge ${f.status}` }, term(f.status))],
      [t("followup.outcome"), (f) => (f.outcome ? term(f.outcome) : "")],
      [t("ui.actions"), (f) => (f.status === "done" ? dateTime(f.completed_at)
        : buttons([t("followup.complete"), () => complete(ctx, f), "primary"]))],
    ], rows)));
  act(counts, async () => {
    const c = await ctx.api.get("/admin/follow-ups/counts");
    counts.replaceChildren(
      h("div", { dataset: { kpi: "due" } }, t("followup.due"), h("strong", {}, String(c.due))),
      h("div", { dataset: { kpi: "overdue" } }, t("followup.overdue"),
        h("strong", {}, String(c.overdue))));
  });
}

async function complete({ api, reload }, followUp) {
  const answer = await ask({ id: "follow-up-dialog", confirm: t("followup.complete"),
    message: t("followup.complete_confirm", { date: followUp.due_on }),
    fields: [
      field("outcome", t("followup.outcome"), { value: "reached",
        options: OUTCOMES.map((o) => [o, term(o)]) }),
      field("note", t("followup.note"), { kind: "textarea" }),
      field("credit", t("followup.credit"), { kind: "bool" })] });
  if (!answer) return;
  await api.post(`/admin/follow-ups/${followUp.id}/complete`, {
    outcome: answer.outcome, note: answer.note || null,
    credit_task_code: answer.credit ? "care_visit" : null });
  toast(t("ui.saved"));
  reload();
}
