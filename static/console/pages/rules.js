// Rules editor: a form built from the rules document; the owner saves it, and the server's
// 422 field errors ("tiers.1.threshold") appear next to their fields. Below it, the stored
// versions with what each changed; the owner can load one into the form to restore it.

import { dateTime, t, term } from "/static/lib/i18n.js";
import { act, buttons, field, h, paged, readForm, table, toast } from "/static/lib/ui.js";
import { fieldText } from "/static/lib/words.js";

const ENUMS = {
  tier_downgrade: ["none", "rolling_12_months"],
  refund_shortfall: ["debt", "flag"],
  period: ["day", "month", "year", "lifetime"],
  spend_order: ["proportional", "gift_first", "principal_first"],
};
// The schema's order (the server sorts keys alphabetically); keys not listed come last.
const ORDER = ["earning", "points_per_yuan", "signup_bonus", "checkin", "share", "referral",
  "referrer_points", "referee_points", "activities", "expiry", "tiers", "code", "name",
  "threshold", "multiplier", "tier_downgrade", "approval_threshold", "point_value_fen",
  "refund_shortfall", "mall", "notifications"];
// Lists of words, not of numbers.
const WORD_LISTS = ["excluded_categories", "categories"];
const NEW_ROWS = {
  tiers: { code: "", name: "", threshold: 0, multiplier: "1.00", birthday_multiplier: "1.00" },
  activities: { code: "", name: "", points: 10, limit: 1, period: "month" },
  plans: { code: "", name: "", amount_fen: 0, gift_fen: 0, bonus_points: 0 },
};

export function render(view, { api, staff }) {
  act(view, async () => {
    const { rules, version } = await api.get("/admin/rules");
    const heading = h("h1", {}, `${t("nav.rules")} · v${version}`);
    const form = h("form", { id: "rules-form", class: "card rules" });
    const readonly = staff.role !== "owner";
    const draw = (doc) => form.replaceChildren(
      ...ordered(doc).map(([key, value]) => editor(key, value, { readonly, redraw })),
      readonly ? h("p", { class: "hint" }, t("rules.owner_only"))
        : h("button", { class: "primary", type: "submit" }, t("ui.save")));
    // Adding or removing a row redraws the form from what it holds now.
    const redraw = (change) => { const doc = readForm(form); change(doc); draw(doc); };
    const history = h("section", { id: "rules-history", class: "card" });
    const showHistory = () => history.replaceChildren(h("h2", {}, t("rules.history")), paged(
      (cursor) => api.get("/admin/rules/versions", { cursor }),
      (versions) => versionTable(versions, !readonly && ((doc) => {
        draw(doc);
        form.scrollIntoView();
        toast(t("rules.loaded"));
      }))));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act(form, async () => {
        const saved = await api.put("/admin/rules", readForm(form));
        heading.textContent = `${t("nav.rules")} · v${saved.version}`;
        toast(t("ui.saved"));
        showHistory();
      });
    });
    draw(rules);
    showHistory();
    view.append(heading, form, history);
  });
}

/** Versions, newest first; each with the paths it changed from the one listed after it. */
function versionTable(versions, load) {
  return table([
    [t("rules.version"), (v) => `v${v.version}`],
    [t("rules.saved_at"), (v) => dateTime(v.created_at)],
    [t("rules.saved_by"), (v) => v.created_by_username ?? ""],
    [t("rules.changes"), (v) => {
      const before = versions[versions.indexOf(v) + 1];
      return before ? changes(before.rules, v.rules).map((path) => fieldText(path, "rules")).join("，") || "—" : "";
    }],
    ...(load ? [[t("ui.actions"), (v) => buttons([t("rules.load"), () => load(v.rules)])]] : []),
  ], versions);
}

function changes(before, after) {
  const flat = (doc, prefix = "", into = {}) => {
    for (const [key, value] of Object.entries(doc ?? {})) {
      if (value && typeof value === "object") flat(value, `${prefix}${key}.`, into);
      else into[`${prefix}${key}`] = value;
    }
    return into;
  };
  const [old, now] = [flat(before), flat(after)];
  return [...new Set([...Object.keys(old), ...Object.keys(now)])]
    .filter((path) => `${old[path]}` !== `${now[path]}`).sort();
}

function editor(path, value, options) {
  const key = path.split(".").at(-1);
  const label = /^\d+$/.test(key) ? `#${Number(key) + 1}` : t(`rules.${key}`, {}, key);
  if (Array.isArray(value) && NEW_ROWS[key]) return rows(path, key, label, value, options);
  const { readonly } = options;
  if (Array.isArray(value)) {
    return field(path, label, { kind: WORD_LISTS.includes(key) ? "list" : "ints", value, readonly });
  }
  if (value && typeof value === "object") {
    return h("fieldset", { dataset: { path } }, h("legend", {}, label),
      ordered(value).map(([child, v]) => editor(`${path}.${child}`, v, options)),
      h("small", { class: "field-error" }));
  }
  if (ENUMS[key]) {
    return field(path, label, { value, options: ENUMS[key].map((e) => [e, term(e)]), readonly });
  }
  const kind = { number: "int", boolean: "bool" }[typeof value] || "text";
  return field(path, label, { kind, value, readonly });
}

function rows(path, key, label, list, { readonly, redraw }) {
  // The list may sit in a section ("wallet.plans"): reach it by its path.
  const at = (doc) => path.split(".").reduce((node, part) => node[part], doc);
  const remove = (i) => redraw((doc) => at(doc).splice(i, 1));
  return h("fieldset", { class: "rows", dataset: { path } }, h("legend", {}, label),
    list.map((row, i) => h("div", { class: "row" },
      editor(`${path}.${i}`, row, { readonly, redraw }),
      readonly ? "" : h("button", { type: "button", onclick: () => remove(i) }, t("ui.remove")))),
    h("small", { class: "field-error" }),
    readonly ? "" : h("button", { type: "button", onclick: () => redraw(
      (doc) => at(doc).push({ ...NEW_ROWS[key] })) }, t("ui.add")));
}

function ordered(object) {
  const rank = (key) => (ORDER.includes(key) ? ORDER.indexOf(key) : ORDER.length);
  return Object.entries(object).sort(([a], [b]) => rank(a) - rank(b));
}
