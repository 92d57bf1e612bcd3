// My treatment packages: sessions left, the QR code a clerk scans, and the usage history.

import { dateTime, t, term } from "/static/lib/i18n.js";
import { act, h } from "/static/lib/ui.js";

export function render(view, { api }) {
  const list = h("div", { id: "packages" });
  view.append(h("h1", {}, t("tab.packages")), list);
  act(list, async () => {
    const { items } = await api.get("/me/packages");
    list.replaceChildren(...(items.length ? items.map((p) => packageCard(api, p))
      : [h("p", { class: "small" }, t("packages.none"))]));
  });
}

function packageCard(api, pkg) {
  const qr = h("img", { alt: pkg.qr_payload, width: 96, height: 96 });
  if (pkg.status === "active") {
    api.blobUrl(`/me/packages/${pkg.code}/qr.png`).then((url) => { qr.src = url; });
  }
  return h("article", { class: `card voucher ${pkg.status}`, dataset: { code: pkg.code } },
    h("div", {},
      h("h2", {}, pkg.title),
      h("div", { class: "code" }, pkg.code),
      h("div", {}, h("span", { class: `badge ${pkg.status}` }, term(pkg.status)), " · ",
        h("span", { class: "left" },
          t("packages.left", { left: pkg.sessions_left, total: pkg.sessions_total }))),
      h("div", { class: "small" }, t("packages.expires", { date: dateTime(pkg.expires_at) })),
      pkg.uses.length ? h("details", {}, h("summary", {}, t("packages.uses")),
        h("ul", { class: "uses" }, pkg.uses.map((use) =>
          h("li", {}, `${dateTime(use.used_at)} · ${t("packages.left", {
            left: use.sessions_left, total: pkg.sessions_total })}`)))) : ""),
    pkg.status === "active" ? qr : "");
}
