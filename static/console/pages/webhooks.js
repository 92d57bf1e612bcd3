// Webhooks: register endpoints for events (the secret is shown once), delete, delivery log.

import { dateTime, t, term } from "/static/lib/i18n.js";
import { act, buttons, field, h, paged, readForm, table } from "/static/lib/ui.js";

const EVENTS = ["points.changed", "order.paid", "tier.changed", "member.joined"];

export function render(view, { api, params, reload }) {
  const [id] = params;
  if (id) {
    view.append(h("h1", {}, t("webhook.deliveries")),
      paged((cursor) => api.get(`/admin/webhooks/${id}/deliveries`, { cursor }), (rows) => table([
        [t("webhook.at"), (d) => dateTime(d.created_at)],
        [t("webhook.event"), (d) => d.event], [t("webhook.attempt"), (d) => d.attempt],
        [t("webhook.status_code"), (d) => d.status_code ?? "–"],
        [t("webhook.result"), (d) => (d.ok ? t("webhook.ok") : d.error)],
        [t("webhook.duration"), (d) => `${d.duration_ms} ms`]], rows)));
    return;
  }
  const secret = h("div", { id: "webhook-secret" });
  const form = h("form", { id: "webhook-form", class: "card form-grid" },
    h("h2", {}, t("webhook.new")), field("url", t("webhook.url"), { required: true }),
    h("fieldset", { dataset: { path: "events" } }, h("legend", {}, t("webhook.events")),
      EVENTS.map((name) => h("label", {}, h("input", { type: "checkbox", value: name, checked: true }),
        ` ${t(`event.${name}`)}`)), h("small", { class: "field-error" })),
    h("button", { class: "primary", type: "submit" }, t("ui.save")), secret);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const events = [...form.querySelectorAll("fieldset input:checked")].map((i) => i.value);
      const created = await api.post("/admin/webhooks", { url: readForm(form).url, events });
      secret.replaceChildren(h("p", {}, t("webhook.secret_once")), h("code", {}, created.secret),
        h("button", { type: "button", onclick: reload }, t("ui.refresh")));
    });
  });
  view.append(h("h1", {}, t("nav.webhooks")), form);
  act(view, async () => {
    const { items } = await api.get("/admin/webhooks");
    view.append(table([
      [t("webhook.url"), (w) => h("a", { href: `#/webhooks/${w.id}` }, w.url)],
      [t("webhook.events"), (w) => w.events.map((e) => t(`event.${e}`)).join("、")],
      [t("webhook.status"), (w) => term(w.status)],
      [t("ui.actions"), (w) => buttons([t("webhook.delete"), async () => {
        await api.del(`/admin/webhooks/${w.id}`);
        reload();
      }, "danger"])]], items));
  });
}
