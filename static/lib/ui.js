// DOM helpers shared by the console and the member preview: elements, tables, forms,
// and the contract's errors shown to people (422 field errors next to their fields).

import { LANGUAGES, lang, setLang, t } from "./i18n.js";
import { errorText } from "./words.js";

/** An element: h("button", {class: "primary", onclick}, "text", child, [more]). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  el.append(...children.flat().filter((child) => child != null && child !== false));
  return el;
}

/** A table: columns are [label, row => cell] pairs; an empty list says so. */
export function table(columns, rows) {
  if (!rows.length) return h("p", { class: "empty" }, t("ui.empty"));
  return h("table", {},
    h("thead", {}, h("tr", {}, columns.map(([label]) => h("th", {}, label)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map(([, cell]) => h("td", {}, cell(row)))))));
}

/** A labelled input; kind says how readForm reads it (see READERS: int, yuan, list, …). */
export function field(name, label, { kind = "text", value, options, required, readonly } = {}) {
  const common = { name, required, disabled: readonly, dataset: { kind } };
  let input;
  if (options) {
    input = h("select", common, options.map(([optionValue, text]) =>
      h("option", { value: optionValue, selected: value != null && `${value}` === `${optionValue}` },
        text)));
  } else if (kind === "bool") {
    input = h("input", { ...common, type: "checkbox", checked: Boolean(value) });
  } else if (kind === "textarea") {
    input = h("textarea", common, value ?? "");
  } else {
    input = h("input", { ...common, type: INPUT_TYPES[kind] || "text",
                         step: kind === "yuan" ? "0.01" : null, value: toInput(kind, value) });
  }
  return h("label", { class: `field field-${kind}`, dataset: { path: name } },
    h("span", {}, label), input, h("small", { class: "field-error" }));
}

const INPUT_TYPES = { int: "number", yuan: "number", datetime: "datetime-local",
                      password: "password", date: "date" };

function toInput(kind, value) {
  if (value == null) return "";
  if (kind === "yuan") return (value / 100).toFixed(2);
  if (kind === "list" || kind === "ints") return value.join(", ");
  if (kind === "datetime") {  // datetime-local wants local wall time without an offset
    const local = new Date(value);
    local.setMinutes(local.getMinutes() - local.getTimezoneOffset());
    return local.toISOString().slice(0, 16);
  }
  return value;
}

const READERS = {
  text: (el) => el.value.trim() || null,
  textarea: (el) => el.value.trim() || null,
  password: (el) => el.value,
  date: (el) => el.value || null,
  int: (el) => (el.value === "" ? null : Number(el.value)),
  yuan: (el) => (el.value === "" ? 0 : Math.round(Number(el.value) * 100)),
  bool: (el) => el.checked,
  list: (el) => el.value.split(/[,，]/).map((s) => s.trim()).filter(Boolean),
  ints: (el) => el.value.split(/[,，]/).map((s) => s.trim()).filter(Boolean).map(Number),
  datetime: (el) => (el.value ? new Date(el.value).toISOString() : null),
};

/** The form's named fields as an object; dotted names nest ("tiers.0.code"). */
export function readForm(form) {
  const data = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    const path = el.name.split(".");
    let node = data;
    path.slice(0, -1).forEach((key, i) => {
      node[key] ??= /^\d+$/.test(path[i + 1]) ? [] : {};
      node = node[key];
    });
    node[path.at(-1)] = (READERS[el.dataset.kind] || READERS.text)(el);
  }
  return data;
}

/** Show an ApiError: 422 details next to their fields (or the closest group), the rest on top. */
function showError(target, error) {
  clearError(target);
  const { text, code } = errorText(error);  // friendly words; the code only in the tooltip
  const box = h("div", { class: "error", role: "alert", title: code || null,
                         dataset: { code: error.code || "" } }, text);
  target.prepend(box);
  for (const [path, messages] of flatten(error.details || {})) {
    const holder = closestHolder(target, path);
    const small = holder?.querySelector(":scope > .field-error");
    if (small) small.textContent = messages.join(" ");
    else box.append(h("div", {}, `${path}: ${messages.join(" ")}`));
  }
}

function clearError(target) {
  target.querySelector(":scope > .error")?.remove();
  for (const small of target.querySelectorAll(".field-error")) small.textContent = "";
}

function closestHolder(target, path) {
  for (let parts = path.split("."); parts.length; parts.pop()) {
    const holder = target.querySelector(`[data-path="${CSS.escape(parts.join("."))}"]`);
    if (holder) return holder;
  }
  return null;
}

function flatten(details, prefix = "") {
  return Object.entries(details).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) return [[path, value.map(String)]];
    if (value && typeof value === "object") return flatten(value, path);
    return [[path, [String(value)]]];
  });
}

/** Run an action from a button or form: busy while it runs, errors shown in `target`. */
export async function act(target, action) {
  target.classList.add("busy");
  clearError(target);
  try {
    return await action();
  } catch (error) {
    if (!error.status) console.error(error);
    showError(target, error);
    return undefined;
  } finally {
    target.classList.remove("busy");
  }
}

/** A list the API pages with next_cursor: the first page now, a "more" button for the rest. */
export function paged(load, draw) {
  const box = h("div", { class: "paged" });
  let rows = [];
  let cursor = null;
  const more = async () => {
    const page = await load(cursor);
    rows = rows.concat(page.items);
    cursor = page.next_cursor;
    box.replaceChildren(draw(rows), cursor
      ? h("button", { class: "more", onclick: () => act(box, more) }, t("ui.more")) : "");
  };
  act(box, more);
  return box;
}

/** Buttons [label, action, class?] in a row; falsy entries are left out, errors shown beside. */
export function buttons(...specs) {
  const row = h("div", { class: "actions" });
  row.append(...specs.filter(Boolean).map(([label, action, className]) =>
    h("button", { type: "button", class: className, onclick: () => act(row, action) }, label)));
  return row;
}

/** A filter form over a paged list: submitting it, or changing a select, reloads the list. */
export function filtered(form, load, draw) {
  const list = h("div");
  const reload = () => list.replaceChildren(
    paged((cursor) => load({ ...readForm(form), cursor }), draw));
  form.addEventListener("change", (event) => event.target.tagName === "SELECT" && reload());
  form.addEventListener("submit", (event) => { event.preventDefault(); reload(); });
  reload();
  return list;
}

/**
 * A modal question (native <dialog>): a message, optional fields, a confirming button.
 * Resolves to the fields' values (readForm) when confirmed, to null when cancelled.
 */
export function ask({ id, message, fields = [], confirm, danger = false }) {
  return new Promise((resolve) => {
    const form = h("form", { method: "dialog" }, h("p", {}, message), fields,
      h("div", { class: "actions" },
        h("button", { type: "button", onclick: () => dialog.close() }, t("ui.cancel")),
        h("button", { type: "submit", class: danger ? "danger" : "primary" }, confirm)));
    const dialog = h("dialog", { id, "aria-label": message }, form);
    form.addEventListener("submit", () => resolve(readForm(form)));
    dialog.addEventListener("close", () => { resolve(null); dialog.remove(); });
    show(dialog);
    dialog.querySelector("input, select, textarea, button[type=submit]")?.focus();
  });
}

/** Open a modal dialog that Esc closes and that closes when the page changes. */
function show(dialog) {
  const close = () => dialog.open && dialog.close();
  window.addEventListener("hashchange", close, { once: true });
  dialog.addEventListener("close", () => window.removeEventListener("hashchange", close));
  document.body.append(dialog);
  dialog.showModal();
}

/** A side drawer (a modal <dialog>): a title, content, a close button; Esc closes it too. */
export function drawer({ id, title, content }) {
  const dialog = h("dialog", { id, class: "drawer", "aria-labelledby": `${id}-title` },
    h("div", { class: "toolbar" }, h("h2", { id: `${id}-title` }, title),
      h("button", { type: "button", class: "link", onclick: () => dialog.close() },
        t("ui.close"))),
    content);
  dialog.addEventListener("close", () => dialog.remove());
  show(dialog);
  dialog.querySelector("button")?.focus();
  return dialog;
}

/** A short message that fades out. */
export function toast(message) {
  const el = h("div", { class: "toast", role: "status" }, message);
  document.body.append(el);
  setTimeout(() => el.remove(), 3000);
}

/** Wire #lang (the language switch), #logout and hash routing to route(), then route once. */
export function start(api, route) {
  const languages = document.getElementById("lang");
  languages.append(...Object.entries(LANGUAGES).map(([code, label]) =>
    h("option", { value: code, selected: code === lang() }, label)));
  languages.addEventListener("change", () => { setLang(languages.value); route(); });
  document.getElementById("logout").addEventListener("click", () => api.logout());
  api.onLogout = route;
  window.addEventListener("hashchange", route);
  route();
}
