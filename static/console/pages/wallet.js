// Stored value (储值): top up and charge at the counter, a member's wallet with refunds,
// the top-up plans (owner edits), and the refund approvals (managers; not their own).

import { dateTime, t, term, yuan } from "/static/lib/i18n.js";
import { act, buttons, field, h, readForm, table, toast } from "/static/lib/ui.js";

const MANAGERS = ["owner", "manager"];
const newNo = (prefix) => `${prefix}-${crypto.randomUUID()}`;

export function render(view, { api, staff }) {
  const heading = h("h1", {}, t("nav.wallet"));
  view.append(heading);
  act(view, async () => {
    const { plans, version } = await api.get("/admin/wallet/plans");
    view.append(h("div", { class: "grid2" }, topupCard(api, plans), payCard(api)),
      lookupCard(api), plansCard(api, staff, plans, version));
    if (MANAGERS.includes(staff.role)) heading.after(reportCard(api));
    if (MANAGERS.includes(staff.role)) view.append(approvalsCard(api, staff));
  });
}

const KPIS = ["liability_principal_fen", "liability_gift_fen", "topup_principal_fen",
  "topup_gift_fen", "payment_principal_fen", "payment_gift_fen", "topup_refund_principal_fen"];

/** Prepaid liability now and the last 30 days' movements, with the CSV. */
function reportCard(api) {
  const box = h("section", { id: "wallet-report", class: "card" });
  act(box, async () => {
    const report = await api.get("/admin/analytics/wallet");
    box.replaceChildren(h("h2", {}, t("wallet.report", { from: report.from, to: report.to })),
      h("div", { class: "kpis" }, KPIS.map((key) => h("div", { class: "kpi", dataset: { kpi: key } },
        h("span", {}, t(`wallet.kpi.${key}`)), h("strong", {}, yuan(report[key]))))),
      table([[t("wallet.store"), (s) => s.store_name || t("wallet.online")],
        [t("wallet.principal"), (s) => yuan(s.principal_fen)],
        [t("wallet.gift"), (s) => yuan(s.gift_fen)]], report.stores),
      buttons([`${t("wallet.report_csv")} CSV`, () => api.download("/admin/analytics/wallet.csv",
        { from: report.from, to: report.to }, `wallet-${report.from}-${report.to}.csv`)]));
  });
  return box;
}

function walletLine(wallet) {
  return t("wallet.balance_line", { principal: yuan(wallet.principal_fen),
                                    gift: yuan(wallet.gift_fen) });
}

function topupCard(api, plans) {
  const log = h("ul", { class: "log" });
  const form = h("form", { id: "wallet-topup", class: "card" }, h("h2", {}, t("wallet.topup")),
    field("by", t("wallet.member_by"), { options: [["card_no", t("wallet.card_no")],
                                                   ["phone", t("wallet.phone")]] }),
    field("who", t("wallet.member"), { required: true }),
    field("plan_code", t("wallet.plan"), { options: [["", t("wallet.no_plan")],
      ...plans.map((p) => [p.code, `${p.name} · ${yuan(p.amount_fen)}`])] }),
    field("amount_fen", t("wallet.amount"), { kind: "yuan" }),
    h("button", { class: "primary", type: "submit" }, t("wallet.topup_submit")), log);
  let topupNo = newNo("console-topup");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const { by, who, plan_code: planCode, amount_fen: amount } = readForm(form);
      const plan = plans.find((p) => p.code === planCode);
      const done = await api.post("/admin/wallet/topups", {
        topup_no: topupNo, member: { [by]: who }, plan_code: planCode || null,
        amount_fen: plan ? plan.amount_fen : amount });
      topupNo = newNo("console-topup");
      log.prepend(h("li", { class: "ok" }, t("wallet.topped_up", {
        principal: yuan(done.principal_fen), gift: yuan(done.gift_fen),
        points: done.bonus_points }), " · ", walletLine(done.wallet)));
      form.reset();
    });
  });
  return form;
}

function payCard(api) {
  const log = h("ul", { class: "log" });
  const form = h("form", { id: "wallet-pay", class: "card" }, h("h2", {}, t("wallet.pay")),
    field("pay_code", t("wallet.pay_code"), { required: true }),
    field("amount_fen", t("wallet.amount"), { kind: "yuan", required: true }),
    h("button", { class: "primary", type: "submit" }, t("wallet.pay_submit")), log);
  let paymentNo = newNo("console-pay");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const body = readForm(form);
      const done = await api.post("/admin/wallet/payments", {
        ...body, pay_code: body.pay_code.replace(/^jifen:\/\/pay\//, ""), payment_no: paymentNo });
      paymentNo = newNo("console-pay");
      log.prepend(h("li", { class: "ok" }, t("wallet.paid", {
        principal: yuan(done.principal_fen), gift: yuan(done.gift_fen) }), " · ",
        walletLine(done.wallet)));
      form.reset();
    });
  });
  return form;
}

function lookupCard(api) {
  const result = h("div", { id: "wallet-member" });
  const form = h("form", { class: "card toolbar" }, h("h2", {}, t("wallet.lookup")),
    field("q", t("wallet.lookup_q"), { required: true }),
    h("button", { type: "submit" }, t("ui.search")));
  const show = async (member) => {
    const wallet = await api.get(`/admin/members/${member.id}/wallet`);
    const refund = async (topup) => {
      const done = await api.post(`/admin/wallet/topups/${topup.id}/refund`, { method: "cash" });
      toast(t(`wallet.refund_${done.status}`));
      await show(member);
    };
    result.replaceChildren(h("section", { class: "card" },
      h("h2", {}, `${member.nickname || member.card_no} · ${walletLine(wallet)}`),
      h("h3", {}, t("wallet.topups")), table([
        [t("wallet.when"), (x) => dateTime(x.paid_at || x.created_at)],
        [t("wallet.plan"), (x) => x.plan_code || ""],
        [t("wallet.principal"), (x) => yuan(x.principal_fen)],
        [t("wallet.gift"), (x) => yuan(x.gift_fen)],
        [t("wallet.status"), (x) => term(x.status)],
        [t("ui.actions"), (x) => x.status === "paid" && buttons(
          [t("wallet.refund"), () => refund(x)])],
      ], wallet.topups),
      h("h3", {}, t("wallet.entries")), table([
        [t("wallet.when"), (e) => dateTime(e.created_at)],
        [t("wallet.type"), (e) => term(e.type)],
        [t("wallet.principal"), (e) => yuan(e.principal_fen)],
        [t("wallet.gift"), (e) => yuan(e.gift_fen)],
        [t("wallet.after"), (e) => yuan(e.balance_after_fen)],
      ], wallet.entries)));
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const { items } = await api.get("/admin/members", { q: readForm(form).q, limit: 1 });
      if (!items.length) throw new Error(t("wallet.no_member"));
      await show(items[0]);
    });
  });
  return h("div", {}, form, result);
}

function plansCard(api, staff, plans, version) {
  const readonly = staff.role !== "owner";
  const heading = h("h2", {}, `${t("wallet.plans")} · v${version}`);
  const form = h("form", { id: "wallet-plans", class: "card rules" });
  const row = (plan, i) => h("fieldset", { class: "row", dataset: { path: `plans.${i}` } },
    field(`plans.${i}.code`, t("wallet.plan_code"), { value: plan.code, readonly }),
    field(`plans.${i}.name`, t("wallet.plan_name"), { value: plan.name, readonly }),
    field(`plans.${i}.amount_fen`, t("wallet.plan_amount"), { kind: "yuan", value: plan.amount_fen, readonly }),
    field(`plans.${i}.gift_fen`, t("wallet.plan_gift"), { kind: "yuan", value: plan.gift_fen, readonly }),
    field(`plans.${i}.bonus_points`, t("wallet.plan_points"), { kind: "int", value: plan.bonus_points, readonly }),
    readonly ? "" : h("button", { type: "button", onclick: () => draw(current().filter((_, j) => j !== i)) },
      t("ui.remove")));
  const current = () => readForm(form).plans || [];
  const draw = (list) => form.replaceChildren(heading, ...list.map(row),
    h("small", { class: "field-error" }),
    readonly ? h("p", { class: "hint" }, t("rules.owner_only")) : h("div", { class: "actions" },
      h("button", { type: "button", onclick: () => draw([...current(),
        { code: "", name: "", amount_fen: 0, gift_fen: 0, bonus_points: 0 }]) }, t("ui.add")),
      h("button", { class: "primary", type: "submit" }, t("ui.save"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const saved = await api.put("/admin/wallet/plans", { plans: current() });
      heading.textContent = `${t("wallet.plans")} · v${saved.version}`;
      toast(t("ui.saved"));
    });
  });
  draw(plans);
  return form;
}

function approvalsCard(api, staff) {
  const box = h("section", { id: "wallet-approvals", class: "card" });
  const load = () => act(box, async () => {
    const { items } = await api.get("/admin/wallet/refunds", { status: "pending_approval" });
    const decide = async (refund, decision) => {
      await api.post(`/admin/wallet/refunds/${refund.id}/${decision}`);
      toast(t(`wallet.done.${decision}`));
      load();
    };
    box.replaceChildren(h("h2", {}, t("wallet.approvals")), table([
      [t("wallet.when"), (r) => dateTime(r.created_at)],
      [t("wallet.member"), (r) => h("a", { href: `#/members/${r.member_id}` }, `#${r.member_id}`)],
      [t("wallet.kind"), (r) => term(r.kind)],
      [t("wallet.principal"), (r) => yuan(r.principal_fen)],
      [t("wallet.gift"), (r) => yuan(r.gift_fen)],
      [t("ui.actions"), (r) => (r.requested_by === staff.id ? t("wallet.own_request") : buttons(
        [t("adjust.approve"), () => decide(r, "approve"), "primary"],
        [t("adjust.reject"), () => decide(r, "reject")]))],
    ], items));
  });
  load();
  return box;
}
