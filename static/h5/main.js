// The member preview: the mini-program's flows in a mobile page, against the same API.

import { Api } from "/static/lib/api.js";
import { register, t, translate } from "/static/lib/i18n.js";
import { h, start } from "/static/lib/ui.js";
import * as contest from "./pages/contest.js";
import * as home from "./pages/home.js";
import * as login from "./pages/login.js";
import * as lottery from "./pages/lottery.js";
import * as mall from "./pages/mall.js";
import * as orders from "./pages/orders.js";
import * as pay from "./pages/pay.js";
import * as share from "./pages/share.js";
import * as packages from "./pages/packages.js";
import * as wallet from "./pages/wallet.js";
import STRINGS from "./strings.js";

const TABS = { home, mall, orders, packages, share, pay, wallet, lottery, contest };

register(STRINGS);
const api = new Api("jifen.h5");
const view = document.getElementById("view");
const tabs = document.getElementById("tabs");

function route() {
  translate();
  document.getElementById("logout").hidden = !api.session;
  tabs.hidden = !api.session;
  view.replaceChildren();
  if (!api.session) {
    login.render(view, { api, done: route });
    return;
  }
  const name = location.hash.replace(/^#\/?/, "");
  if (!TABS[name]) {
    location.hash = "#/home";  // hashchange routes again
    return;
  }
  tabs.replaceChildren(...Object.keys(TABS).map((tab) => h("a", {
    href: `#/${tab}`, class: tab === name ? "active" : null }, t(`tab.${tab}`))));
  TABS[name].render(view, { api, reload: route });
}

start(api, route);
