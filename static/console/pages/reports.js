// Member and store reports (会员报表): new members, gender and age, average ticket and its
// change, points usage, referral conversion, consumption warnings (消费预警), per store.

import { dateTime, t, yuan } from "/static/lib/i18n.js";
import { act, h, readForm, table } from "/static/lib/ui.js";
import {
  barChart, chartCard, doughnutChart, downloads, kpi, percent, periodForm,
} from "../charts.js";

export function render(view, { api }) {
  const body = h("div", { class: "dashboard" });
  const load = () => act(body, () => draw(api, body, filters));
  const filters = periodForm(load);
  filters.elements.bucket.value = "month";
  view.append(h("h1", {}, t("nav.reports")), filters, body);
  load();
}

async function draw(api, body, filters) {
  const asked = readForm(filters);
  const report = await api.get("/admin/analytics/members", asked);
  const range = { from: report.from, to: report.to };
  filters.elements.from.value = range.from;
  filters.elements.to.value = range.to;
  const stores = await api.get("/admin/analytics/stores", range);
  const [joinedCard, joinedCanvas] = chartCard("chart-new-members", t("report.new_members"));
  const [genderCard, genderCanvas] = chartCard("chart-gender", t("report.gender"));
  const [agesCard, agesCanvas] = chartCard("chart-ages", t("report.ages"));
  const [storesCard, storesCanvas] = chartCard("chart-stores", t("report.stores"));
  const warnings = report.consumption_warnings;
  body.replaceChildren(
    kpis(report),
    h("div", { class: "charts" }, joinedCard, genderCard),
    h("div", { class: "charts" }, storesCard, agesCard),
    h("section", { id: "store-report", class: "card" },
      h("h2", {}, t("dash.report.stores")), table([
        [t("report.store"), (row) => row.store_name],
        [t("dash.orders"), (row) => row.orders],
        [t("report.buyers"), (row) => row.members],
        [t("report.amount"), (row) => yuan(row.amount_fen)],
        [t("kpi.average_ticket"), (row) => money(row.average_ticket_fen)],
      ], stores.items)),
    h("section", { id: "warnings", class: "card" },
      h("h2", {}, t("report.warnings", { count: warnings.count })), table([
        [t("report.member"), (row) => h("a", { href: `#/members/${row.member_id}` },
          `#${row.member_id}`)],
        [t("report.last_visit"), (row) => dateTime(row.last_visit_at)],
        [t("report.usual_interval"), (row) => row.usual_interval_days],
        [t("report.days_since"), (row) => row.days_since],
      ], warnings.items)),
    downloads(api, ["members", "stores"], { ...range, bucket: asked.bucket }));
  barChart(joinedCanvas, report.new_members.map((row) => row.period),
    [[t("kpi.new_members"), report.new_members.map((row) => row.count)]]);
  doughnutChart(genderCanvas, report.gender.map((row) => t(`report.gender.${row.gender}`)),
    report.gender.map((row) => row.count));
  barChart(agesCanvas, report.age_bands.map((row) => t(`report.band.${row.band}`, {}, row.band)),
    [[t("report.members"), report.age_bands.map((row) => row.count)]]);
  barChart(storesCanvas, stores.items.map((row) => row.store_name),
    [[t("report.amount"), stores.items.map((row) => row.amount_fen / 100)]]);
}

// An average of no orders is null: a dash, not ¥0.00.
function money(fen) {
  return fen === null ? "—" : yuan(fen);
}

function kpis(report) {
  const cards = [
    ["average_ticket", money(report.average_ticket_fen)],
    ["previous_average_ticket", money(report.previous_average_ticket_fen)],
    ["average_ticket_change", percent(report.average_ticket_change)],
    ["points_usage_rate", percent(report.points_usage_rate.rate)],
    ["referral_conversion", percent(report.referral_conversion.rate)],
    ["consumption_warnings", report.consumption_warnings.count],
  ];
  return h("div", { id: "report-kpis", class: "kpis" }, cards.map(([key, value]) => kpi(key, value)));
}
