// Contests: each running or ended contest's top ten (masked names) and my own rank.

import { dateTime, t, term, yuan } from "/static/lib/i18n.js";
import { h, paged } from "/static/lib/ui.js";

export function render(view, { api }) {
  view.append(h("h1", {}, t("tab.contest")),
    paged((cursor) => api.get("/contests", { cursor }), (contests) =>
      h("div", { id: "contests" }, contests.map((contest) => card(api, contest)))));
}

function card(api, contest) {
  const score = (n) => (contest.metric === "spend_fen" ? yuan(n) : `${n} ${t("mall.points")}`);
  const board = h("div", { class: "board" });
  api.get(`/contests/${contest.id}/leaderboard`).then(({ items, me }) => board.replaceChildren(
    h("ol", {}, items.map((row) => h("li", {}, `${row.nickname_masked} · ${score(row.score)}`))),
    h("p", { class: "me" }, me ? t("contest.me", { rank: me.rank, score: score(me.score) })
      : t("contest.unranked"))));
  return h("article", { class: "card contest", dataset: { contest: contest.id } },
    h("h2", {}, contest.title),
    h("div", { class: "small" }, `${term(contest.metric)} · ${dateTime(contest.starts_at)} → `
      + dateTime(contest.ends_at)),
    h("div", { class: "small" }, contest.awards.map((a) =>
      t("contest.award", { from: a.rank_from, to: a.rank_to, points: a.points })).join("；")),
    board);
}
