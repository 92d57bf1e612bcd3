// The member page's advisor (专属顾问): everyone sees the name, managers assign one.

import { t, term } from "/static/lib/i18n.js";
import { act, field, h, readForm, toast } from "/static/lib/ui.js";

const MANAGERS = ["owner", "manager"];

export function advisorForm(api, id, staff) {
  const form = h("form", { id: "advisor-form", class: "card toolbar" },
    h("h2", {}, t("member.advisor")));
  act(form, async () => {
    const [current, { items }] = await Promise.all(
      [api.get(`/admin/members/${id}/advisor`), api.get("/admin/advisors")]);
    if (!MANAGERS.includes(staff.role)) {
      form.append(h("span", { dataset: { fact: "advisor" } },
        current.name || t("member.advisor_none")));
      return;
    }
    form.append(field("staff_id", t("member.advisor"), { value: current.staff_id ?? "",
      options: [["", t("member.advisor_none")],
        ...items.map((s) => [s.id, `${s.username} · ${term(s.role)}`])] }),
      h("button", { class: "primary", type: "submit" }, t("member.advisor_save")));
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(form, async () => {
      const { staff_id: chosen } = readForm(form);
      await api.put(`/admin/members/${id}/advisor`, { staff_id: chosen ? Number(chosen) : null });
      toast(t("ui.saved"));
    });
  });
  return form;
}
