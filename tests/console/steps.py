"""What a person does in the console and the member preview, as reusable steps."""

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.helpers import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
# page.evaluate on a Chart.js canvas: how many pixels are drawn, and the chart's data
CHART_PIXELS = """canvas => {
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) drawn++;
  const chart = Chart.getChart(canvas);
  return {drawn, data: chart.data.datasets.map(d => d.data)};
}"""
CHART_LABELS = """canvas => {
  const chart = Chart.getChart(canvas);
  return {labels: chart.data.labels, data: chart.data.datasets.map(d => d.data)};
}"""


def staff_login(page: Page, merchant: dict, staff: dict) -> None:
    """Log a staff member in through the console's login form."""
    page.goto("/console/")
    form = page.locator("#login-form")
    form.locator("[name=merchant_id]").fill(str(merchant["id"]))
    form.locator("[name=username]").fill(staff["username"])
    form.locator("[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page.locator("#who")).to_contain_text(staff["username"])


def member_login(page: Page, merchant: dict, openid: str) -> None:
    """Log a member in to the preview (on a phone-sized screen) with a fake WeChat code."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/h5/?appid={merchant['appid']}&code=fake-{openid}")
    page.locator("#member-login button[type=submit]").click()
    expect(page.locator("#member-card")).to_be_visible()


def menu(page: Page) -> list[str]:
    """The console's menu entries, as their page names."""
    expect(page.locator("#nav a").first).to_be_visible()
    return [href.removeprefix("#/") for href in
            page.locator("#nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")]


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of the page as a test artefact."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe" / "axe.min.js"
BLOCKING = ("serious", "critical")


def accessibility(page: Page, name: str) -> None:
    """Scan the page with the vendored axe-core; no serious or critical violation may remain."""
    page.wait_for_function("() => !document.querySelector('.busy')")  # faded while loading
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run(document, {
        resultTypes: ["violations"]})).violations.map(v => ({
          id: v.id, impact: v.impact, help: v.help,
          nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))""")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{name}: {blocking}"
