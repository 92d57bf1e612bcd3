// Contests: the editor (metric, window, awards by rank), the list, and live standings.

import { dateTime, t, term, yuan } from "/static/lib/i18n.js";
import { act, buttons, field, h, paged, readForm, table, toast } from "/static/lib/ui.js";

const METRICS = ["spend_fen", "points_earned"];

export function render(view, ctx) {
  const [id, sub] = ctx.params;
  if (id && sub === "standings") act(view, () => standings(view, ctx, id));
  else if (id) act(view, () => editor(view, ctx, id === "new" ? null : id));
  else list(view, ctx);
}

function list(view, { api }) {
  view.append(h("h1", {}, t("nav.contests")),
    h("div", { class: "toolbar" }, h("a", { class: "button primary", href: "#/contests/new" },
      t("contest.new"))),
    paged((cursor) => api.get("/admin/contests", { cursor }), (rows) => table([
      [t("contest.title"), (c) => (c.settled_at ? c.title
        : h("a", { href: `#/contests/${c.id}` }, c.title))],
      [t("contest.metric"), (c) => term(c.metric)],
      [t("contest.window"), (c) => `${dateTime(c.starts_at)} → ${dateTime(c.ends_at)}`],
      [t("contest.awards"), (c) => c.awards.map((a) =>
        t("contest.award_text", { from: a.rank_from, to: a.rank_to, points: a.points })).join("；")],
      [t("contest.status"), (c) => (c.settled_at ? t("contest.settled") : "")],
      [t("ui.actions"), (c) => h("a", { class: "button", href: `#/contests/${c.id}/standings` },
        t("contest.standings"))],
    ], rows)));
}

async function editor(view, { api }, id) {
  const contest = id ? await api.get(`/admin/contests/${id}`)
    : { metric: "spend_fen", awards: [{ rank_from: 1, rank_to: 1, points: 100 }] };
  const rows = h("div", { id: "award-rows" });
  let count = 0;
  const addRow = (award) => {
    const n = count++;
    rows.append(h("div", { class: "form-grid award", dataset: { path: `awards.${n}` } },
      field(`awards.${n}.rank_from`, t("contest.rank_from"), { kind: "int", value: award.rank_from }),
      field(`awards.${n}.rank_to`, t("contest.rank_to"), { kind: "int", value: award.rank_to }),
      field(`awards.${n}.points`, t("contest.points"), { kind: "int", value: award.points }),
      h("button", { type: "button", class: "danger", onclick: (event) =>
        event.target.closest(".award").remove() }, t("ui.remove"))));
  };
  contest.awards.forEach(addRow);
  const form = h("form", { id: "contest-form", class: "card" },
    h("h2", {}, id ? `${t("contest.edit")} · ${contest.title}` : t("contest.new")),
    h("div", { class: "form-grid" },
      field("title", t("contest.title"), { value: contest.title, required: true }),
      field("metric", t("contest.metric"), { value: contest.metric,
        options: METRICS.map((m) => [m, term(m)]) }),
      field("starts_at", t("contest.starts_at"), { kind: "datetime", value: contest.starts_at }),
      field("ends_at", t("contest.ends_at"), { kind: "datetime", value: contest.ends_at })),
    h("h3", {}, t("contest.awards")), rows,
    h("div", { class: "buttons" },
      h("button", { type: "button", onclick: () => addRow({}) }, t("contest.add_award")),
      h("button", { class: "primary", type: "submit" }, t("ui.save"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const data = readForm(form);
      data.awards = (data.awards || []).filter(Boolean);
      await (id ? api.patch(`/admin/contests/${id}`, data) : api.post("/admin/contests", data));
      toast(t("ui.saved"));
      location.hash = "#/contests";
    });
  });
  view.append(h("h1", {}, t("nav.contests")), form);
}

async function standings(view, { api }, id) {
  const [contest, board] = await Promise.all([api.get(`/admin/contests/${id}`),
                                             api.get(`/admin/contests/${id}/standings`)]);
  const score = (s) => (contest.metric === "spend_fen" ? yuan(s.score) : s.score);
  view.append(h("h1", {}, `${t("contest.standings")} · ${contest.title}`),
    h("div", { id: "contest-standings", class: "card" },
      h("p", {}, board.settled_at ? t("contest.settled_at", { at: dateTime(board.settled_at) })
        : t("contest.live")),
      table([
        [t("contest.rank"), (s) => s.rank],
        [t("contest.member"), (s) => s.nickname || `#${s.member_id}`],
        [t("contest.score"), score],
        [t("contest.reached_at"), (s) => dateTime(s.reached_at)],
        [t("contest.points"), (s) => s.points || ""],
      ], board.items)),
    buttons([t("ui.back"), () => { location.hash = "#/contests"; }]));
}
