// What the report pages share: the period form, KPI cards, percentages and Chart.js charts
// (vendored at /static/vendor/chartjs, loaded by index.html as the global `Chart`).

import { t } from "/static/lib/i18n.js";
import { buttons, field, h } from "/static/lib/ui.js";

export const PALETTE = ["#2e9d6a", "#c2185b", "#9e9e9e", "#7e57c2", "#26a69a", "#ffa726",
  "#ef5350", "#5c6bc0", "#b0bec5"];

// Empty dates: the server's default period (the last 30 days in the merchant's timezone).
export function periodForm(onSubmit) {
  const form = h("form", { id: "period", class: "toolbar" },
    field("from", t("dash.from"), { kind: "date" }),
    field("to", t("dash.to"), { kind: "date" }),
    field("bucket", t("dash.bucket"), { options: ["day", "week", "month"].map(
      (b) => [b, t(`dash.bucket.${b}`)]) }),
    h("button", { class: "primary", type: "submit" }, t("ui.refresh")));
  form.addEventListener("submit", (event) => { event.preventDefault(); onSubmit(); });
  return form;
}

export function kpi(key, value) {
  return h("div", { class: "kpi", dataset: { kpi: key } },
    h("span", {}, t(`kpi.${key}`)), h("strong", {}, String(value)));
}

export function percent(rate) {
  return rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`;
}

// A titled card holding a chart's canvas; draw on the canvas once it is in the page.
export function chartCard(id, title) {
  const canvas = h("canvas", { id, role: "img", "aria-label": title });
  return [h("section", { class: "card" }, h("h2", {}, title), h("div", { class: "chart" }, canvas)),
    canvas];
}

// series: [[label, values, colour?]…] over the same labels.
export function barChart(canvas, labels, series) {
  new Chart(canvas, {
    type: "bar",
    data: { labels, datasets: series.map(([label, data, colour], i) => ({
      label, data, backgroundColor: colour ?? PALETTE[i % PALETTE.length] })) },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
               scales: { y: { ticks: { precision: 0 } } } },  // counts: no 0.2 members
  });
}

export function doughnutChart(canvas, labels, values, colours = PALETTE) {
  new Chart(canvas, {
    type: "doughnut",
    data: { labels, datasets: [{ data: values, backgroundColor: colours }] },
    options: { animation: false, responsive: true, maintainAspectRatio: false },
  });
}

// A button per report downloading /admin/analytics/<report>.csv for the period.
export function downloads(api, reports, period) {
  const { from, to } = period;
  return h("section", { class: "card downloads" }, h("h2", {}, t("dash.downloads")),
    buttons(...reports.map((report) => [`${t(`dash.report.${report}`)} CSV`, () => api.download(
      `/admin/analytics/${report}.csv`, period, `${report}-${from}-${to}.csv`)])));
}
