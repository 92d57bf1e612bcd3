// The merchant console: login, a menu by role, and one module per page (#/page/params).

import { Api } from "/static/lib/api.js";
import { register, t, term, translate } from "/static/lib/i18n.js";
import { h, start } from "/static/lib/ui.js";
import * as adjustments from "./pages/adjustments.js";
import * as audit from "./pages/audit.js";
import * as campaigns from "./pages/campaigns.js";
import * as counter from "./pages/counter.js";
import * as contests from "./pages/contests.js";
import * as dashboard from "./pages/dashboard.js";
import * as reports from "./pages/reports.js";
import * as items from "./pages/items.js";
import * as login from "./pages/login.js";
import * as lotteries from "./pages/lotteries.js";
import * as members from "./pages/members.js";
import * as orders from "./pages/orders.js";
import * as rules from "./pages/rules.js";
import * as vouchers from "./pages/vouchers.js";
import * as wallet from "./pages/wallet.js";
import * as followups from "./pages/followups.js";
import * as packages from "./pages/packages.js";
import * as segments from "./pages/segments.js";
import * as imports from "./pages/imports.js";
import * as webhooks from "./pages/webhooks.js";
import STRINGS from "./strings.js";

const MANAGERS = ["owner", "manager"];
const STAFF = [...MANAGERS, "clerk", "support"];
// The roles the API lets in (x-roles in the OpenAPI document); the first allowed is home.
const PAGES = [
  { path: "dashboard", module: dashboard, roles: MANAGERS },
  { path: "reports", module: reports, roles: MANAGERS },
  { path: "vouchers", module: vouchers, roles: [...MANAGERS, "clerk"] },
  { path: "packages", module: packages, roles: [...MANAGERS, "clerk"] },
  { path: "members", module: members, roles: STAFF },
  { path: "followups", module: followups, roles: STAFF },
  { path: "adjustments", module: adjustments, roles: [...MANAGERS, "support"] },
  { path: "items", module: items, roles: MANAGERS },
  { path: "orders", module: orders, roles: MANAGERS },
  { path: "rules", module: rules, roles: STAFF },
  { path: "campaigns", module: campaigns, roles: MANAGERS },
  { path: "audit", module: audit, roles: MANAGERS },
  { path: "counter", module: counter, roles: [...MANAGERS, "clerk"] },
  { path: "wallet", module: wallet, roles: [...MANAGERS, "clerk"] },
  { path: "lotteries", module: lotteries, roles: MANAGERS },
  { path: "contests", module: contests, roles: MANAGERS },
  { path: "segments", module: segments, roles: MANAGERS },
  { path: "imports", module: imports, roles: ["owner"] },
  { path: "webhooks", module: webhooks, roles: ["owner"] },
];

register(STRINGS);
const api = new Api("jifen.console");
const view = document.getElementById("view");

function route() {
  translate();
  const staff = api.session?.subject;
  document.getElementById("logout").hidden = !staff;
  document.getElementById("who").textContent = staff ? `${staff.username} · ${term(staff.role)}` : "";
  if (!staff) {
    document.getElementById("nav").replaceChildren();
    view.replaceChildren();
    login.render(view, { api, done: route });
    return;
  }
  const pages = PAGES.filter((page) => page.roles.includes(staff.role));
  const [path, ...params] = location.hash.replace(/^#\/?/, "").split("/");
  const current = pages.find((page) => page.path === path);
  if (!current) {
    location.hash = `#/${pages[0].path}`;  // hashchange routes again
    return;
  }
  document.getElementById("nav").replaceChildren(...pages.map((page) => h("a", {
    href: `#/${page.path}`, class: page === current ? "active" : null }, t(`nav.${page.path}`))));
  view.replaceChildren();
  current.module.render(view, { api, staff, params, reload: route });
}

start(api, route);
