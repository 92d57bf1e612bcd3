// Home: the member card with its QR, points and what expires soon, the check-in calendar.

import { dateTime, lang, signed, t, term } from "/static/lib/i18n.js";
import { act, buttons, h, paged, toast } from "/static/lib/ui.js";

export function render(view, ctx) {
  act(view, async () => {
    const [card, points, calendar] = await Promise.all([
      ctx.api.get("/me/card"), ctx.api.get("/me/points"), ctx.api.get("/me/checkins")]);
    view.append(cardSection(ctx.api, card), pointsSection(points),
      checkinSection(ctx, calendar), ledgerSection(ctx.api));
  });
}

function cardSection(api, card) {
  const qr = h("img", { id: "card-qr", alt: card.qr_payload, width: 132, height: 132 });
  api.blobUrl("/me/card/qr.png").then((url) => { qr.src = url; });
  const next = card.next_tier
    ? t("card.next", { name: card.next_tier.name, n: card.next_tier.growth_needed })
    : t("card.top");
  return h("section", { id: "member-card", class: "member-card" },
    h("div", {},
      h("div", { class: "tier" }, card.tier.name),
      h("div", { class: "card-no" }, card.card_no),
      h("div", { class: "small" }, `${t("card.growth")} ${card.growth_value} · ${next}`),
      card.advisor_name ? h("div", { id: "advisor", class: "small" },
        t("card.advisor", { name: card.advisor_name })) : ""),
    qr);
}

function pointsSection(points) {
  return h("section", { class: "card" },
    h("div", { class: "balance" }, h("span", {}, t("points.balance")),
      h("strong", { id: "balance" }, String(points.balance))),
    h("div", { class: "small" }, t("points.lifetime", {
      earned: points.lifetime_earned, redeemed: points.lifetime_redeemed })),
    points.expiring.length ? h("ul", { id: "expiring", class: "expiring" },
      points.expiring.map((lot) => h("li", {}, t("points.expiring", {
        n: lot.points, date: new Date(lot.expires_at).toLocaleDateString(lang()) }))))
      : h("p", { class: "small" }, t("points.none_expiring")));
}

function checkinSection({ api, reload }, calendar) {
  const [year, month] = calendar.month.split("-").map(Number);
  const first = new Date(year, month - 1, 1);
  const days = new Date(year, month, 0).getDate();
  const checked = new Set(calendar.days.map((day) => Number(day.slice(8, 10))));
  const checkIn = async () => {
    const result = await api.post("/me/checkins");
    toast(t("checkin.done", { n: result.points, streak: result.streak }));
    reload();
  };
  return h("section", { id: "checkin", class: "card" },
    h("h2", {}, `${t("checkin.title")} · ${calendar.month}`),
    h("p", { class: "small" }, t("checkin.streak", { n: calendar.streak })),
    h("div", { class: "calendar" },
      t("checkin.weekdays").split(",").map((d) => h("b", {}, d)),
      Array.from({ length: first.getDay() }, () => h("span")),
      Array.from({ length: days }, (_, i) => h("span", {
        class: checked.has(i + 1) ? "checked" : null }, String(i + 1)))),
    calendar.today_checked_in
      ? h("p", { class: "done" }, t("checkin.today_done"))
      : buttons([t("checkin.button", { n: calendar.next_points }), checkIn, "primary"]));
}

function ledgerSection(api) {
  return h("section", { class: "card" }, h("h2", {}, t("points.history")),
    paged((cursor) => api.get("/me/points/transactions", { cursor }), (rows) =>
      h("ul", { class: "ledger" }, rows.map((entry) => h("li", {},
        h("span", {}, term(entry.reason_code || entry.type)),
        h("span", { class: "small" }, dateTime(entry.created_at)),
        h("strong", { class: entry.amount < 0 ? "minus" : "plus" }, signed(entry.amount)))))));
}
