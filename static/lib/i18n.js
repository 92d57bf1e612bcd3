// A tiny i18n: {key: [zh-CN, en]} dictionaries; zh-CN unless the user switched.

import SHARED from "./strings.js";

export const LANGUAGES = { "zh-CN": "中文", en: "English" };
const STORAGE_KEY = "jifen.lang";
const strings = { ...SHARED };
let current = localStorage.getItem(STORAGE_KEY) in LANGUAGES
  ? localStorage.getItem(STORAGE_KEY) : "zh-CN";

export function register(dictionary) {
  Object.assign(strings, dictionary);
}

export function lang() {
  return current;
}

export function setLang(code) {
  current = code;
  localStorage.setItem(STORAGE_KEY, code);
  document.documentElement.lang = code;
}

/** The text for key in the current language, {name} placeholders filled; else the fallback. */
export function t(key, vars = {}, fallback = key) {
  const entry = strings[key];
  const text = entry ? entry[current === "en" ? 1 : 0] : fallback;
  return text.replace(/\{(\w+)\}/g, (_, name) => vars[name] ?? "");
}

/** An API value (a status, a type, a role) by its translation, else as it is. */
export function term(value) {
  return value == null ? "" : t(`term.${value}`, {}, String(value));
}

/** Fill every [data-i18n] element of root with its text. */
export function translate(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}

export function dateTime(iso) {
  return iso ? new Date(iso).toLocaleString(current) : "";
}

export function yuan(fen) {
  return `¥${(Number(fen || 0) / 100).toFixed(2)}`;
}

export function signed(n) {
  return n > 0 ? `+${n}` : String(n);
}
