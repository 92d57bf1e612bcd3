// Segments (分群): a filter builder with its live count, saved segments, their members
// (CSV export) and a subscribe message to a segment with its report.

import { t, term } from "/static/lib/i18n.js";
import { act, buttons, field, h, paged, readForm, table, toast } from "/static/lib/ui.js";

const RFM = ["重要价值客户", "重要发展客户", "重要保持客户", "重要挽留客户",
             "一般价值客户", "一般发展客户", "一般保持客户", "一般挽留客户"];

export function render(view, { api, params, reload }) {
  const [id] = params;
  if (id) act(view, () => detail(view, api, id));
  else act(view, () => builder(view, api, reload));
}

function filterOf(form) {
  const { name, rfm_segments: rfm, ...filter } = readForm(form);
  const picked = [...form.querySelectorAll("[name=rfm] :checked")].map((o) => o.value);
  const clean = Object.fromEntries(Object.entries(filter).filter(
    ([key, value]) => key !== "rfm" && value != null && !(Array.isArray(value) && !value.length)));
  return { name, filter: picked.length ? { ...clean, rfm_segments: picked } : clean };
}

async function builder(view, api, reload) {
  const count = h("strong", { id: "segment-count" }, "–");
  const live = h("p", {}, t("segment.live_count"), " ", count);
  const form = h("form", { id: "segment-form", class: "card form-grid" },
    h("h2", {}, t("segment.new")),
    field("name", t("segment.name"), { required: true }),
    field("tiers", t("segment.tiers"), { kind: "list" }),
    field("tags_any", t("segment.tags_any"), { kind: "list" }),
    h("label", { class: "field", dataset: { path: "filter.rfm_segments" } },
      h("span", {}, t("segment.rfm")),
      h("select", { name: "rfm", multiple: true }, RFM.map((name) => h("option", { value: name }, name))),
      h("small", { class: "field-error" })),
    field("last_visit_before_days", t("segment.last_visit_before_days"), { kind: "int" }),
    field("birthday_month", t("segment.birthday_month"), { kind: "int" }),
    field("min_balance", t("segment.min_balance"), { kind: "int" }),
    field("points_expiring_within_days", t("segment.points_expiring_within_days"), { kind: "int" }),
    field("store_id", t("segment.store_id"), { kind: "int" }),
    live,
    h("div", { class: "buttons" }, h("button", { class: "primary", type: "submit" }, t("ui.save"))));
  const recount = () => act(live, async () => {
    count.textContent = (await api.post("/admin/segments/count", filterOf(form).filter)).count;
  });
  form.addEventListener("change", recount);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      await api.post("/admin/segments", filterOf(form));
      toast(t("ui.saved"));
      reload();
    });
  });
  recount();
  const { items } = await api.get("/admin/segments");
  view.append(h("h1", {}, t("nav.segments")), form, table([
    [t("segment.name"), (s) => h("a", { href: `#/segments/${s.id}` }, s.name)],
    [t("segment.count"), (s) => s.count],
  ], items));
}

async function detail(view, api, id) {
  const segment = await api.get(`/admin/segments/${id}`);
  const report = h("div", { id: "message-report" });
  const form = h("form", { id: "message-form", class: "card form-grid" },
    h("h2", {}, t("segment.message")),
    field("template_id", t("segment.template_id"), { required: true }),
    field("page", t("segment.page")),
    field("data", t("segment.data"), { kind: "textarea", required: true }),
    h("button", { class: "primary", type: "submit" }, t("segment.send")), report);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const { data, ...rest } = readForm(form);
      const pairs = (data || "").split(/\n/).map((line) => line.split(/[:：]/))
        .filter((pair) => pair.length >= 2);
      const answer = await api.post(`/admin/segments/${id}/messages`, {
        ...rest, data: Object.fromEntries(pairs.map(([k, ...v]) => [k.trim(), v.join(":").trim()])) });
      report.replaceChildren(h("p", {}, t("segment.report", answer)));
    });
  });
  view.append(h("h1", {}, `${t("nav.segments")} · ${segment.name}`),
    h("p", {}, t("segment.count"), ": ", h("strong", { id: "segment-size" }, segment.count)),
    buttons([t("segment.export"), () => api.download(`/admin/segments/${id}/members.csv`, {},
                                                      `segment-${id}.csv`)]),
    form, paged((cursor) => api.get(`/admin/segments/${id}/members`, { cursor }), (rows) => table([
      [t("member.card_no"), (m) => h("a", { href: `#/members/${m.id}` }, m.card_no)],
      [t("member.nickname"), (m) => m.nickname || ""],
      [t("member.phone"), (m) => m.phone_masked || ""],
      [t("member.tier"), (m) => term(m.tier)],
      [t("member.balance"), (m) => m.balance],
    ], rows)));
}
