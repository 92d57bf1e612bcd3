// Dashboard: KPI cards, points over time, tier distribution, top items, the referral
// leaderboard, CSV downloads.

import { t, yuan } from "/static/lib/i18n.js";
import { act, h, readForm, table } from "/static/lib/ui.js";
import {
  barChart, chartCard, doughnutChart, downloads, kpi, percent, periodForm,
} from "../charts.js";

const COLOURS = { issued: "#2e9d6a", redeemed: "#c2185b", expired: "#9e9e9e" };
const TIER_COLOURS = ["#b0bec5", "#7e57c2", "#26a69a", "#ffa726", "#ef5350", "#5c6bc0"];
const REPORTS = ["summary", "engagement", "timeseries", "items", "repurchase", "churn",
  "expiring"];
const ENGAGEMENT = ["checkins", "checkin_members", "shares", "share_visits", "rewarded_visits",
  "referrals_invited", "referrals_qualified", "activity_tasks"];

export function render(view, { api }) {
  const body = h("div", { class: "dashboard" });
  const load = () => act(body, () => draw(api, body, filters));
  const filters = periodForm(load);
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
  const [seriesCard, seriesCanvas] = chartCard("chart-series", t("dash.series"));
  const [tiersCard, tiersCanvas] = chartCard("chart-tiers", t("dash.tiers"));
  body.replaceChildren(
    kpis(summary, repurchase),
    h("div", { id: "engagement", class: "kpis" },
      ENGAGEMENT.map((key) => kpi(key, engagement[key]))),
    h("div", { class: "charts" }, seriesCard, tiersCard),
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
    downloads(api, REPORTS, { ...range, bucket }));
  barChart(seriesCanvas, series.items.map((p) => p.period), Object.entries(COLOURS).map(
    ([key, colour]) => [t(`kpi.${key}`), series.items.map((p) => p[key]), colour]));
  const { tiers } = rules.rules;
  doughnutChart(tiersCanvas, tiers.map((tier) => tier.name),
    tiers.map((tier) => summary.tier_distribution[tier.code] ?? 0), TIER_COLOURS);
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
