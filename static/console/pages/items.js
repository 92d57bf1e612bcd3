// Mall items: list by status, create and edit (sale window, limits), on/off sale, stock.

import { dateTime, t, term, yuan } from "/static/lib/i18n.js";
import { act, buttons, field, filtered, h, readForm, table, toast } from "/static/lib/ui.js";
import { loadNames } from "/static/lib/words.js";

const TYPES = ["goods", "service", "coupon"];
const STATUSES = ["draft", "on_sale", "off_sale"];

export function render(view, ctx) {
  const [id] = ctx.params;
  if (id) act(view, () => editor(view, ctx, id === "new" ? null : id));
  else list(view, ctx);
}

function list(view, ctx) {
  const filters = h("form", { class: "toolbar" },
    field("status", t("item.status"), {
      options: [["", t("ui.all")], ...STATUSES.map((s) => [s, term(s)])] }),
    h("a", { class: "button primary", href: "#/items/new" }, t("item.new")));
  view.append(h("h1", {}, t("nav.items")), filters, filtered(filters,
    (query) => ctx.api.get("/admin/items", query), (rows) => itemsTable(rows, ctx)));
}

function itemsTable(rows, { api, reload }) {
  const setStatus = async (item, status) => {
    await api.patch(`/admin/items/${item.id}`, { status });
    toast(t("ui.saved"));
    reload();
  };
  return table([
    [t("item.picture"), (item) => (item.images?.[0]
      ? h("img", { src: item.images[0], alt: item.title, class: "thumb", width: 48, height: 48 })
      : "")],
    [t("item.title"), (item) => h("a", { href: `#/items/${item.id}` }, item.title)],
    [t("item.type"), (item) => term(item.type)],
    [t("item.points_price"), (item) => item.points_price],
    [t("item.cash_price"), (item) => (item.cash_price_fen ? yuan(item.cash_price_fen) : "")],
    [t("item.stock"), (item) => item.stock],
    [t("item.sale_window"), (item) => [dateTime(item.sale_starts_at), dateTime(item.sale_ends_at)]
      .filter(Boolean).join(" → ")],
    [t("item.status"), (item) => [
      h("span", { class: `badge ${item.status}` }, term(item.status)),
      item.flash ? h("span", { class: "badge flash" }, t("item.flash")) : null]],
    [t("ui.actions"), (item) => buttons(item.status === "on_sale"
      ? [t("item.off_sale"), () => setStatus(item, "off_sale")]
      : [t("item.on_sale"), () => setStatus(item, "on_sale"), "primary"])],
  ], rows);
}

async function editor(view, { api }, id) {
  const [item, names] = await Promise.all([
    id ? api.get(`/admin/items/${id}`) : { type: "goods", status: "draft", images: [] },
    loadNames(api)]);
  const pictures = pictureField(api, item.images || []);
  const form = h("form", { id: "item-form", class: "card form-grid" },
    field("title", t("item.title"), { value: item.title, required: true }),
    field("type", t("item.type"), { value: item.type, options: TYPES.map((s) => [s, term(s)]) }),
    field("category", t("item.category"), { value: item.category }),
    field("points_price", t("item.points_price"), { kind: "int", value: item.points_price }),
    field("cash_price_fen", t("item.cash_price"), { kind: "yuan", value: item.cash_price_fen }),
    id ? null : field("stock", t("item.stock"), { kind: "int", value: 0 }),
    field("limit_per_order", t("item.limit_per_order"), { kind: "int", value: item.limit_per_order }),
    field("limit_per_member_day", t("item.limit_per_member_day"),
      { kind: "int", value: item.limit_per_member_day }),
    field("limit_per_member_total", t("item.limit_per_member_total"),
      { kind: "int", value: item.limit_per_member_total }),
    field("min_tier", t("item.min_tier"), { value: item.min_tier ?? "", options: [
      ["", t("item.any_tier")], ...names.tiers.map((tier) => [tier.code, tier.name])] }),
    field("sale_starts_at", t("item.sale_starts_at"), { kind: "datetime", value: item.sale_starts_at }),
    field("sale_ends_at", t("item.sale_ends_at"), { kind: "datetime", value: item.sale_ends_at }),
    field("status", t("item.status"), { value: item.status,
                                         options: STATUSES.map((s) => [s, term(s)]) }),
    field("flash", t("item.flash"), { kind: "bool", value: item.flash }),
    pictures.element,
    field("description", t("item.description"), { kind: "textarea", value: item.description }),
    h("div", { class: "buttons" },
      h("button", { class: "primary", type: "submit" }, t("ui.save")),
      h("a", { class: "button", href: "#/items" }, t("ui.back"))));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const body = { ...readForm(form), images: pictures.urls() };
      body.min_tier ||= null;
      delete body.picture;
      const saved = id ? await api.patch(`/admin/items/${id}`, body)
        : await api.post("/admin/items", body);
      toast(t("ui.saved"));
      location.hash = `#/items/${saved.id}`;
    });
  });
  view.append(h("h1", {}, id ? `${t("item.edit")} #${id}` : t("item.new")), form,
    id ? stockForm(api, item) : "");
}

function stockForm(api, item) {
  const current = h("strong", { id: "stock-now" }, String(item.stock));
  const form = h("form", { id: "stock-form", class: "card toolbar" },
    h("span", {}, t("item.stock"), ": ", current),
    field("units", t("item.stock_units"), { kind: "int", required: true }),
    h("button", { type: "submit", value: "delta" }, t("item.stock_add")),
    h("button", { type: "submit", value: "set" }, t("item.stock_set")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const { units } = readForm(form);
      const saved = await api.post(`/admin/items/${item.id}/stock`,
                                   { [event.submitter.value]: units });
      current.textContent = String(saved.stock);
      toast(t("ui.saved"));
    });
  });
  return form;
}

/** The item's pictures: thumbnails with a remove button, and an upload input. */
function pictureField(api, initial) {
  let urls = [...initial];
  const thumbs = h("div", { class: "thumbs", id: "item-pictures" });
  const draw = () => thumbs.replaceChildren(...urls.map((url, i) => h("figure", {},
    h("img", { src: url, alt: t("item.picture_n", { n: i + 1 }) }),
    h("button", { type: "button", class: "link", onclick: () => { urls.splice(i, 1); draw(); } },
      t("ui.remove")))));
  const input = h("input", { type: "file", name: "picture", accept: "image/jpeg,image/png,image/webp",
                             id: "picture-input" });
  const element = h("div", { class: "field field-textarea", dataset: { path: "file" } },
    h("label", { for: "picture-input" }, t("item.pictures")), thumbs, input,
    h("small", { class: "hint" }, t("item.pictures_hint")), h("small", { class: "field-error" }));
  input.addEventListener("change", () => act(element, async () => {
    for (const file of input.files) {
      urls = [...urls, (await api.upload("/admin/items/images", file)).url];
      draw();
    }
    input.value = "";
  }));
  draw();
  return { element, urls: () => urls };
}
