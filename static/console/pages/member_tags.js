// The member page's tags and RFM segment (客户画像), editable by every staff role.

import { t } from "/static/lib/i18n.js";
import { act, field, h, readForm, toast } from "/static/lib/ui.js";

export function card(api, id) {
  const form = h("form", { id: "tags-form", class: "card toolbar" }, h("h2", {}, t("tags.title")));
  act(form, async () => {
    const profile = await api.get(`/admin/members/${id}/tags`);
    form.append(
      h("p", { id: "rfm-segment" }, t("tags.rfm"), ": ",
        h("strong", {}, profile.rfm ? profile.rfm.segment : t("tags.no_rfm"))),
      field("tags", t("tags.tags"), { kind: "list", value: profile.tags }),
      h("button", { class: "primary", type: "submit" }, t("ui.save")));
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      await api.put(`/admin/members/${id}/tags`, { tags: readForm(form).tags });
      toast(t("ui.saved"));
    });
  });
  return form;
}
