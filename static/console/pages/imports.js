// Member import from a legacy cashier: a dry run reports every row's errors, then the real run.

import { t } from "/static/lib/i18n.js";
import { act, h, table, toast } from "/static/lib/ui.js";

export function render(view, { api }) {
  const input = h("input", { type: "file", name: "file", accept: ".csv,text/csv", required: true });
  const report = h("div", { id: "import-report" });
  const run = async (dryRun) => {
    const form = new FormData();
    form.append("file", input.files[0]);
    const answer = await api.upload(`/admin/imports/members?dry_run=${dryRun}`, form);
    report.replaceChildren(summary(answer), table([
      [t("import.row"), (e) => e.row], [t("import.field"), (e) => e.field],
      [t("import.message"), (e) => e.message]], answer.errors));
    if (dryRun && !answer.errors.length) {
      report.append(h("button", { id: "import-run", class: "primary", type: "button",
                                  onclick: () => act(box, () => run(false)) }, t("import.run")));
    }
    if (!dryRun) toast(t("import.done", answer));
  };
  const box = h("form", { id: "import-form", class: "card" },
    h("p", {}, t("import.help")), h("code", {}, "phone,name,card_no,balance,expires_at,tier,growth_value,joined_at"),
    h("div", { class: "toolbar" }, input,
      h("button", { class: "primary", type: "submit" }, t("import.check"))), report);
  box.addEventListener("submit", (event) => {
    event.preventDefault();
    act(box, () => run(true));
  });
  view.append(h("h1", {}, t("nav.imports")), box);
}

function summary(answer) {
  return h("p", { id: "import-summary" }, t(answer.dry_run ? "import.dry" : "import.real", answer));
}
