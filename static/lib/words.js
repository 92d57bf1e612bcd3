// Human words for what the API says in codes and ids, shared by every console page and the
// member preview: friendly error messages, members and staff by name, tiers, audit actions,
// audit fields and rules paths. Pages import from here instead of showing codes.

import { t, term } from "./i18n.js";

/** A friendly message for an ApiError (or any error); the technical code goes in `code`. */
export function errorText(error) {
  if (!error?.code) return { text: String(error?.message || error), code: "" };
  const status = error.details?.status;
  const specific = status && t(`error.${error.code}.${status}`, {}, "");
  const text = specific || t(`error.${error.code}`, { status: term(status) }, "")
    || t(`error.HTTP_${error.status}`, {}, "") || t("error.unknown");
  return { text, code: `${error.code}${error.message ? `: ${error.message}` : ""}` };
}

/** How staff recognise a member: nickname · 138****5678 · card no. */
export function memberLabel(member) {
  if (!member) return "";
  return [member.nickname || t("people.no_nickname"), member.phone_masked, member.card_no]
    .filter(Boolean).join(" · ");
}

/** A link to the member's page, labelled by memberLabel. */
export function memberLink(h, member, fallbackId) {
  const id = member?.id ?? fallbackId;
  if (id == null) return "";
  return h("a", { href: `#/members/${id}` }, member ? memberLabel(member) : `#${id}`);
}

const caches = new Map();

/** Load once per API session: the staff list and the tiers, for the lookups below. */
export async function loadNames(api) {
  const key = api.session?.access;
  if (!caches.has(key)) {
    caches.set(key, Promise.all([
      api.get("/admin/staff").catch(() => ({ items: [] })),
      api.get("/admin/rules").catch(() => ({ rules: { tiers: [] } })),
    ]).then(([staff, rules]) => ({
      staff: new Map(staff.items.map((s) => [s.id, s])),
      tiers: rules.rules.tiers || [],
    })));
  }
  return caches.get(key);
}

/** A staff member by name and role ("manager2 · 店长"), else "#id". */
export function staffName(names, id) {
  if (id == null) return "";
  const person = names?.staff.get(id);
  return person ? `${person.username} · ${term(person.role)}` : `#${id}`;
}

/** A tier's configured name (the code when unknown). */
export function tierName(names, code) {
  if (!code) return "";
  return names?.tiers.find((tier) => tier.code === code)?.name || term(code);
}

/** An audit action ("member.anonymise") in words. */
export function actionText(action) {
  return t(`action.${action}`, {}, action);
}

/** A field or path ("tiers.1.threshold") in words: 会员等级 · #2 · 成长值门槛; `first` says
 *  which dictionary wins ("rules" for the rules document, "field" for audited objects). */
export function fieldText(path, first = "field") {
  const other = first === "field" ? "rules" : "field";
  return String(path).split(".").map((part) => (/^\d+$/.test(part) ? `#${Number(part) + 1}`
    : t(`${first}.${part}`, {}, t(`${other}.${part}`, {}, part)))).join(" · ");
}

/** A value of an audited field in words (status codes, booleans, money). */
export function valueText(key, value) {
  if (value == null || value === "") return "—";
  if (typeof value === "boolean") return value ? t("ui.yes") : t("ui.no");
  if (key.endsWith("_fen")) return `¥${(value / 100).toFixed(2)}`;
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return term(value);
}

/** Before → after of an audit record, one line per changed field. */
export function changeLines(before, after) {
  const keys = [...new Set([...Object.keys(before || {}), ...Object.keys(after || {})])];
  return keys.filter((key) => JSON.stringify(before?.[key]) !== JSON.stringify(after?.[key]))
    .map((key) => `${fieldText(key)}：${valueText(key, before?.[key])} → ${valueText(key, after?.[key])}`);
}
