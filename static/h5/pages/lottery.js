// The lottery: cost, published odds given the stock left, draws left today, and the result.

import { t, term } from "/static/lib/i18n.js";
import { buttons, h, paged } from "/static/lib/ui.js";

export function render(view, { api }) {
  const result = h("div", { id: "draw-result", role: "status" });
  const open = h("div", { id: "lotteries" });
  const mine = h("div");
  const refresh = () => {
    open.replaceChildren(lotteries(api, play));
    mine.replaceChildren(paged((cursor) => api.get("/me/draws", { cursor }), (draws) =>
      h("ul", { id: "my-draws" }, draws.map((d) => h("li", {}, d.prize ? d.prize.name : term("none"),
        h("span", { class: "small" }, ` −${d.points_spent} ${t("mall.points")}`))))));
  };
  const play = async (lottery) => {
    const drawn = await api.post(`/lotteries/${lottery.id}/draws`);
    result.replaceChildren(h("div", { class: "card result" }, drawn.prize
      ? t("lottery.won", { name: drawn.prize.name }) : t("lottery.no_prize"),
      h("div", { class: "small" }, t("lottery.spent", { n: drawn.points_spent }))));
    refresh();
  };
  refresh();
  view.append(h("h1", {}, t("tab.lottery")), result, open, h("h2", {}, t("lottery.mine")), mine);
}

function lotteries(api, play) {
  const box = h("div");
  api.get("/lotteries").then(({ items }) => box.replaceChildren(...(items.length
    ? items.map((lottery) => h("article", { class: "card lottery", dataset: { lottery: lottery.id } },
      h("h2", {}, lottery.title),
      h("div", {}, t("lottery.cost", { n: lottery.cost_points }), " · ",
        t("lottery.left_today", { n: lottery.draws_left_today })),
      h("table", { class: "odds" }, lottery.prizes.map((prize) => h("tr", {},
        h("td", {}, prize.name), h("td", {}, term(prize.kind)),
        h("td", {}, `${(prize.odds * 100).toFixed(2)}%`)))),
      h("p", { class: "small" }, t("lottery.odds_note")),
      buttons(lottery.draws_left_today > 0 && [t("lottery.draw"), () => play(lottery), "primary"])))
    : [h("p", { class: "empty" }, t("lottery.none_open"))])));
  return box;
}
