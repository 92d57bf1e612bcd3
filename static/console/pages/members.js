// Members: search, then one member's card, freeze/unfreeze, anonymise, a balance adjustment,
// activity tasks and the ledger, whose earn and adjust entries can be reversed.

import { dateTime, signed, t, term, yuan } from "/static/lib/i18n.js";
import {
  act, ask, buttons, field, filtered, h, paged, readForm, table, toast,
} from "/static/lib/ui.js";
import { loadNames, memberLabel, staffName, tierName } from "/static/lib/words.js";
import { advisorForm } from "./advisor.js";
import { card as tagsCard } from "./member_tags.js";
import { details as orderDetails } from "./orders.js";

const MANAGERS = ["owner", "manager"];
const ADJUSTERS = [...MANAGERS, "support"];
const REASONS = ["goodwill", "correction", "compensation", "migration", "other"];
const REVERSIBLE = ["earn", "adjust"];

export function render(view, ctx) {
  const [id] = ctx.params;
  if (id) act(view, () => detail(view, ctx, id));
  else search(view, ctx);
}

function search(view, { api }) {
  const form = h("form", { id: "member-search", class: "toolbar" },
    field("q", t("member.search_more")),
    h("button", { class: "primary", type: "submit" }, t("ui.search")));
  const names = loadNames(api);
  view.append(h("h1", {}, t("nav.members")), h("p", { class: "hint" }, t("member.search_hint")),
    form, filtered(form, async (query) => {
      const [page, known] = await Promise.all([api.get("/admin/members", query), names]);
      page.items.forEach((m) => { m.tier_name = tierName(known, m.tier); });
      return page;
    }, (rows) => table([
      [t("member.card_no"), (m) => h("a", { href: `#/members/${m.id}` }, m.card_no)],
      [t("member.nickname"), (m) => m.nickname || ""],
      [t("member.phone"), (m) => m.phone_masked || ""],
      [t("member.tier"), (m) => m.tier_name],
      [t("member.balance"), (m) => m.balance],
      [t("member.status"), (m) => h("span", { class: `badge ${m.status}` }, term(m.status))],
      [t("member.created_at"), (m) => dateTime(m.created_at)],
    ], rows)));
}

async function detail(view, { api, staff, reload }, id) {
  const [member, names] = await Promise.all([api.get(`/admin/members/${id}`), loadNames(api)]);
  const list = h("dl", { class: "facts" },
    [["card_no", member.card_no], ["nickname", member.nickname], ["phone", member.phone_masked],
     ["tier", tierName(names, member.tier)], ["growth_value", member.growth_value],
     ["balance", member.balance], ["debt", member.debt], ["status", term(member.status)]]
      .flatMap(([key, value]) => [h("dt", {}, t(`member.${key}`)),
                                  h("dd", { dataset: { fact: key } }, String(value ?? ""))]));
  const freeze = member.status === "frozen" ? "unfreeze" : "freeze";
  // A <dl> holds only dt/dd pairs (axe: definition-list): the buttons go beside it.
  const facts = h("section", { id: "member-card", class: "card" }, list, buttons(
    MANAGERS.includes(staff.role) && [t(`member.${freeze}`), async () => {
      await api.post(`/admin/members/${id}/${freeze}`);
      reload();
    }],
    staff.role === "owner" && !member.anonymized && [t("member.anonymise"), async () => {
      if (!await ask({ id: "anonymise-dialog", danger: true, confirm: t("member.anonymise"),
                       message: t("member.anonymise_confirm", { no: member.card_no }) })) return;
      await api.post(`/admin/members/${id}/anonymise`);
      reload();
    }, "danger"]));
  const reverse = ADJUSTERS.includes(staff.role) && (async (entry) => {
    const answer = await ask({ id: "reverse-dialog", danger: true, confirm: t("ledger.reverse"),
      message: t("ledger.reverse_confirm", { amount: signed(entry.amount) }),
      fields: [field("reason", t("ledger.reverse_reason"), { required: true })] });
    if (!answer) return;
    const done = await api.post(`/admin/transactions/${entry.id}/reverse`, answer);
    toast(t(done?.status === "pending_approval" ? "ledger.reverse_pending" : "ledger.reversed"));
    reload();
  });
  view.append(h("h1", {}, `${t("nav.members")} · ${memberLabel(member)}`), facts, tagsCard(api, id),
    ADJUSTERS.includes(staff.role) ? adjustForm(api, id, reload) : "",
    activityForm(api, id, reload),
    MANAGERS.includes(staff.role) ? ordersOf(api, id) : "",
    advisorForm(api, id, staff),
    h("h2", {}, t("member.ledger")), paged(
      (cursor) => api.get(`/admin/members/${id}/transactions`, { cursor }),
      (rows) => ledgerTable(rows, reverse, names)));
}

/** The member's mall orders, each with its vouchers; a click opens the order drawer. */
function ordersOf(api, id) {
  return h("section", { id: "member-orders", class: "card" }, h("h2", {}, t("member.orders")),
    paged((cursor) => api.get("/admin/orders", { member_id: id, cursor }), (rows) => table([
      [t("order.order_no"), (o) => h("button", { type: "button", class: "link",
        onclick: () => orderDetails(o) }, o.order_no)],
      [t("order.item"), (o) => `${o.item_title} × ${o.quantity}`],
      [t("order.points"), (o) => o.points],
      [t("order.cash"), (o) => (o.cash_fen ? yuan(o.cash_fen) : "")],
      [t("order.status"), (o) => h("span", { class: `badge ${o.status}` }, term(o.status))],
      [t("order.vouchers"), (o) => (o.vouchers || []).map((v) =>
        h("div", { class: "small" }, `${v.code} · ${term(v.status)}`))],
      [t("order.created_at"), (o) => dateTime(o.created_at)],
    ], rows)));
}

function adjustForm(api, id, reload) {
  const form = h("form", { id: "adjust-form", class: "card toolbar" },
    h("h2", {}, t("member.adjust")),
    field("delta", t("adjust.delta"), { kind: "int", required: true }),
    field("reason_code", t("adjust.reason_code"),
      { options: REASONS.map((r) => [r, t(`reason.${r}`)]) }),
    field("note", t("adjust.note")),
    h("button", { class: "primary", type: "submit" }, t("ui.submit")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const adjustment = await api.post(`/admin/members/${id}/adjustments`, readForm(form));
      toast(t(`adjust.result.${adjustment.status}`));
      reload();
    });
  });
  return form;
}

function activityForm(api, id, reload) {
  const form = h("form", { id: "activity-form", class: "card toolbar" },
    h("h2", {}, t("member.activity")));
  act(form, async () => {
    const { rules: { activities } } = await api.get("/admin/rules");
    form.append(
      field("task_code", t("activity.task"), { options: activities.map((task) =>
        [task.code, t("activity.option", { name: task.name, points: task.points })]) }),
      h("button", { class: "primary", type: "submit" }, t("activity.credit")));
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const result = await api.post(`/admin/members/${id}/activities`, readForm(form));
      toast(t("activity.credited", { points: result.points }));
      reload();
    });
  });
  return form;
}

function ledgerTable(rows, reverse, names) {
  return table([
    [t("ledger.created_at"), (e) => dateTime(e.created_at)],
    [t("ledger.type"), (e) => term(e.type)],
    [t("ledger.amount"), (e) => h("span", { class: e.amount < 0 ? "minus" : "plus" },
      signed(e.amount))],
    [t("ledger.balance_after"), (e) => e.balance_after],
    [t("ledger.note"), (e) => [e.reason_code && term(e.reason_code), e.note]
      .filter(Boolean).join(" · ")],
    [t("ledger.operator"), (e) => staffName(names, e.operator_id)],
    ...(reverse ? [[t("ui.actions"), (e) => (e.reversed
      ? h("span", { class: "badge" }, t("ledger.already_reversed"))
      : buttons(REVERSIBLE.includes(e.type) && [t("ledger.reverse"), () => reverse(e)]))]] : []),
  ], rows);
}
