// Dashboard: KPI cards, points over time, tier distribution, top items, the referral
// leaderboard, CSV downloads.

import { t, yuan } from "/static/lib/i18n.js";
import { act, buttons, field, h, readForm, table } from "/static/lib/ui.js";

const COLOURS = { issued: "#2e9d6a", redeemed: "#c2185b", expired: "#9e9e9e" };
const TIER_COLOURS = ["#b0bec5", "#7e57c2", "#26a69a", "#ffa726", "#ef5350", "#5c6bc0"];
const REPORTS = ["summary", "engagement", "timeseries", "items", "repurchase", "churn",
  "expiring"];
const ENGAGEMENT = ["checkins", "checkin_members", "shares", "share_visits", "rewarded_visits",
  "referrals_invited", "referrals_qualified", "activity_tasks"];

export function render(view, { api }) {
  // Empty dates: the server's default period (the last 30 days in the merchant's timezone).
  const filters = h("form", { id: "period", class: "toolbar" },
    field("from", t("dash.from"), { kind: "date" }),
    field("to", t("dash.to"), { kind: "date" }),
    field("bucket", t("dash.bucket"), { options: ["day", "week", "month"].map(
      (b) => [b, t(`dash.bucket.${b}`)]) }),
    h("button", { class: "primary", type: "submit" }, t("ui.refresh")));
  const body = h("div", { class: "dashboard" });
  const load = () => act(body, () => draw(api, body, filters));
  filters.addEventListener("submit", (event) => { event.preventDefault(); load(); });
  view.append(h("h1", {}, t("nav.dashboard")), filters, body);
  load();
}

async function draw(api, body, filters) {
  const { bucket, ...asked } = readForm(filters);
  const summary = await api.get("/admin/analytics/summary", asked);
  const range = { from: summary.from, to: summary.to };
  filters.elements.from.value = range.from;
  filters.elements.to.value = range.to;
  const [series, top, repurchase, rules, referrers, engagement] = await Promise.all([
    api.get("/admin/analytics/timeseries", { ...range, bucket }),
    api.get("/admin/analytics/items", { ...range, limit: 5 }),
    api.get("/admin/analytics/repurchase"),
    api.get("/admin/rules"),
    api.get("/admin/analytics/referrals", { limit: 5 }),
    api.get("/admin/analytics/engagement", range),
  ]);
  const seriesCanvas = h("canvas", { id: "chart-series" });
  const tiersCanvas = h("canvas", { id: "chart-tiers" });
  body.replaceChildren(
    kpis(summary, repurchase),
    h("div", { id: "engagement", class: "kpis" },
      ENGAGEMENT.map((key) => kpi(key, engagement[key]))),
    h("div", { class: "charts" },
      h("section", { class: "card" }, h("h2", {}, t("dash.series")),
        h("div", { class: "chart" }, seriesCanvas)),
      h("section", { class: "card" }, h("h2", {}, t("dash.tiers")),
        h("div", { class: "chart" }, tiersCanvas))),
    h("section", { class: "card" }, h("h2", {}, t("dash.top_items")), table([
      [t("item.title"), (row) => row.title],
      [t("dash.units"), (row) => row.units],
      [t("dash.orders"), (row) => row.orders],
      [t("item.points_price"), (row) => row.points],
    ], top.items)),
    h("section", { id: "referrers", class: "card" }, h("h2", {}, t("dash.referrers")), table([
      [t("dash.rank"), (row) => row.rank],
      [t("member.card_no"), (row) => h("a", { href: `#/members/${row.member_id}` },
        row.card_no || `#${row.member_id}`)],
      [t("member.nickname"), (row) => row.nickname || ""],
      [t("dash.invited"), (row) => row.invited],
      [t("dash.qualified"), (row) => row.qualified],
      [t("dash.conversion"), (row) => percent(row.conversion_rate)],
      [t("dash.referral_points"), (row) => row.points_earned],
    ], referrers.items)),
    downloads(api, { ...range, bucket }));
  seriesChart(seriesCanvas, series.items);
  tiersChart(tiersCanvas, summary.tier_distribution, rules.rules.tiers);
}

function kpis(summary, repurchase) {
  const cards = [
    ["issued", summary.issued], ["redeemed", summary.redeemed], ["expired", summary.expired],
    ["redemption_rate", percent(summary.redemption_rate)],
    ["liability_points", summary.liability_points], ["liability_fen", yuan(summary.liability_fen)],
    ["new_members", summary.new_members], ["active_members", summary.active_members],
    ["repurchase_rate", percent(repurchase.repurchase_rate)],
  ];
  return h("div", { class: "kpis" }, cards.map(([key, value]) => kpi(key, value)));
}

function kpi(key, value) {
  return h("div", { class: "kpi", dataset: { kpi: key } },
    h("span", {}, t(`kpi.${key}`)), h("strong", {}, String(value)));
}

function percent(rate) {
  return `${(rate * 100).toFixed(1)}%`;
}

function seriesChart(canvas, points) {
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: points.map((p) => p.period),
      datasets: Object.entries(COLOURS).map(([key, colour]) => ({
        label: t(`kpi.${key}`), data: points.map((p) => p[key]), backgroundColor: colour })),
    },
    options: { animation: false, responsive: true, maintainAspectRatio: false },
  });
}

function tiersChart(canvas, distribution, tiers) {
  new Chart(canvas, {
    type: "doughnut",
    data: {
      labels: tiers.map((tier) => tier.name),
      datasets: [{ data: tiers.map((tier) => distribution[tier.code] ?? 0),
                   backgroundColor: TIER_COLOURS }],
    },
    options: { animation: false, responsive: true, maintainAspectRatio: false },
  });
}

function downloads(api, period) {
  const { from, to } = period;
  return h("section", { class: "card downloads" }, h("h2", {}, t("dash.downloads")),
    buttons(...REPORTS.map((report) => [`${t(`dash.report.${report}`)} CSV`, () => api.download(
      `/admin/analytics/${report}.csv`, period, `${report}-${from}-${to}.csv`)])));
}
