// Lotteries: the editor (prizes with a live preview of the odds), the list, draw statistics.

import { dateTime, t, term } from "/static/lib/i18n.js";
import { act, buttons, field, h, paged, readForm, table, toast } from "/static/lib/ui.js";

const KINDS = ["points", "item", "none"];

export function render(view, ctx) {
  const [id, sub] = ctx.params;
  if (id && sub === "stats") act(view, () => stats(view, ctx, id));
  else if (id) act(view, () => editor(view, ctx, id === "new" ? null : id));
  else list(view, ctx);
}

function list(view, { api }) {
  view.append(h("h1", {}, t("nav.lotteries")),
    h("div", { class: "toolbar" }, h("a", { class: "button primary", href: "#/lotteries/new" },
      t("lottery.new"))),
    paged((cursor) => api.get("/admin/lotteries", { cursor }), (rows) => table([
      [t("lottery.title"), (l) => h("a", { href: `#/lotteries/${l.id}` }, l.title)],
      [t("lottery.cost_points"), (l) => l.cost_points],
      [t("lottery.daily_limit"), (l) => l.daily_limit],
      [t("lottery.window"), (l) => `${dateTime(l.starts_at)} → ${dateTime(l.ends_at)}`],
      [t("lottery.prizes"), (l) => l.prizes.map((p) => p.name).join("、")],
      [t("ui.actions"), (l) => h("a", { class: "button", href: `#/lotteries/${l.id}/stats` },
        t("lottery.stats"))],
    ], rows)));
}

async function editor(view, { api }, id) {
  const lottery = id ? await api.get(`/admin/lotteries/${id}`)
    : { cost_points: 10, daily_limit: 3, prizes: [{ kind: "points", weight: 1 }] };
  const items = (await api.get("/admin/items", { status: "on_sale", limit: 100 })).items;
  const rows = h("div", { id: "prize-rows" });
  const preview = () => {
    const weights = [...rows.children].map((row) => Number(row.querySelector("[name$='.weight']").value) || 0);
    const total = weights.reduce((a, b) => a + b, 0);
    [...rows.children].forEach((row, i) => {
      row.querySelector(".odds").textContent = total
        ? t("lottery.odds_value", { pct: ((100 * weights[i]) / total).toFixed(2) }) : "";
    });
  };
  let count = 0;
  const addRow = (prize) => {
    const n = count++;
    rows.append(h("div", { class: "card form-grid prize", dataset: { path: `prizes.${n}` } },
      prize.id ? h("input", { type: "hidden", name: `prizes.${n}.id`, value: prize.id,
                              dataset: { kind: "int" } }) : "",
      field(`prizes.${n}.name`, t("prize.name"), { value: prize.name, required: true }),
      field(`prizes.${n}.kind`, t("prize.kind"), { value: prize.kind,
        options: KINDS.map((k) => [k, term(k)]) }),
      field(`prizes.${n}.points`, t("prize.points"), { kind: "int", value: prize.points }),
      field(`prizes.${n}.item_id`, t("prize.item"), { kind: "int", value: prize.item_id,
        options: [["", "—"], ...items.map((item) => [item.id, item.title])] }),
      field(`prizes.${n}.stock`, t("prize.stock"), { kind: "int", value: prize.stock }),
      field(`prizes.${n}.weight`, t("prize.weight"), { kind: "int", value: prize.weight }),
      h("strong", { class: "odds" }),
      h("button", { type: "button", class: "danger", onclick: (event) => {
        event.target.closest(".prize").remove();
        preview();
      } }, t("ui.remove"))));
    preview();
  };
  lottery.prizes.forEach(addRow);
  rows.addEventListener("input", preview);
  const form = h("form", { id: "lottery-form", class: "card" },
    h("h2", {}, id ? `${t("lottery.edit")} · ${lottery.title}` : t("lottery.new")),
    h("div", { class: "form-grid" },
      field("title", t("lottery.title"), { value: lottery.title, required: true }),
      field("cost_points", t("lottery.cost_points"), { kind: "int", value: lottery.cost_points }),
      field("daily_limit", t("lottery.daily_limit"), { kind: "int", value: lottery.daily_limit }),
      field("starts_at", t("lottery.starts_at"), { kind: "datetime", value: lottery.starts_at }),
      field("ends_at", t("lottery.ends_at"), { kind: "datetime", value: lottery.ends_at })),
    h("h3", {}, t("lottery.prizes"), " ", h("small", {}, t("lottery.odds_hint"))), rows,
    h("div", { class: "buttons" },
      h("button", { type: "button", onclick: () => addRow({ kind: "none", weight: 1 }) },
        t("lottery.add_prize")),
      h("button", { class: "primary", type: "submit" }, t("ui.save"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const data = readForm(form);
      data.prizes = (data.prizes || []).filter(Boolean).map((prize) => {
        if (prize.id == null) delete prize.id;
        return prize;
      });
      await (id ? api.patch(`/admin/lotteries/${id}`, data) : api.post("/admin/lotteries", data));
      toast(t("ui.saved"));
      location.hash = "#/lotteries";
    });
  });
  view.append(h("h1", {}, t("nav.lotteries")), form);
}

async function stats(view, { api }, id) {
  const [lottery, numbers] = await Promise.all([api.get(`/admin/lotteries/${id}`),
                                                api.get(`/admin/lotteries/${id}/stats`)]);
  view.append(h("h1", {}, `${t("lottery.stats")} · ${lottery.title}`),
    h("div", { id: "lottery-stats", class: "card" },
      h("p", {}, t("lottery.totals", { draws: numbers.draws, spent: numbers.points_spent,
                                       won: numbers.points_won })),
      table([
        [t("prize.name"), (p) => p.name],
        [t("prize.kind"), (p) => term(p.kind)],
        [t("lottery.won"), (p) => p.won],
        [t("prize.stock_left"), (p) => (p.stock == null ? t("prize.unlimited") : p.stock)],
        [t("prize.status"), (p) => (p.active ? "" : t("prize.retired"))],
      ], numbers.prizes)),
    buttons([t("ui.back"), () => { location.hash = "#/lotteries"; }]));
}
