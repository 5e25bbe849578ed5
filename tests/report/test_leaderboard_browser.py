"""The leaderboard site in a real headless Chromium, opened from file:// with no network.

Needs Debian's ``chromium`` (``apt-get install chromium``; CI installs it) driven through
playwright's Python package; the browser is never downloaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from report_fixtures import BOARD_SPEC, EVIL_MODEL, write_board_results

from bench.report.site import build_site

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.chromium,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("board")
    spec = root / "board.toml"
    spec.write_text(BOARD_SPEC, encoding="utf-8")
    results = write_board_results(root / "results")
    return build_site(spec, results, root / "site").out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield instance
        instance.close()


@dataclass
class Watch:
    """What the page did: every request, blocked non-file requests, dialogs, errors."""

    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, Watch]]:
    watch = Watch()
    context = browser.new_context()

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith("file://"):
            route.continue_()
        else:
            watch.blocked.append(url)
            route.abort()

    context.route("**/*", route)
    tab = context.new_page()
    tab.on("request", lambda request: watch.requests.append(request.url))
    tab.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))
    tab.on("console", lambda m: watch.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda error: watch.errors.append(str(error)))
    yield tab, watch
    context.close()


def models_in_order(tab: Any) -> list[str]:
    return tab.eval_on_selector_all(
        "#leaderboard tbody tr", "rows => rows.map(r => r.getAttribute('data-model'))"
    )


def click_header(tab: Any, label: str) -> str:
    tab.locator("#leaderboard thead th", has_text=label).locator("button").click()
    return tab.locator("#leaderboard thead th", has_text=label).get_attribute("aria-sort")


def test_clicking_a_header_sorts_rows(site: Path, page: tuple[Any, Watch]) -> None:
    tab, watch = page
    tab.goto((site / "index.html").as_uri())
    # built order: mean rank (Model C, ref:a, ref:b, evil)
    assert models_in_order(tab) == ["ref:c", "ref:a", "ref:b", EVIL_MODEL]
    # VQA accuracy: b 0.50, evil 0.65, a 0.75, c 0.90
    assert click_header(tab, "VQA accuracy") == "ascending"
    assert models_in_order(tab) == ["ref:b", EVIL_MODEL, "ref:a", "ref:c"]
    assert click_header(tab, "VQA accuracy") == "descending"
    assert models_in_order(tab) == ["ref:c", "ref:a", EVIL_MODEL, "ref:b"]
    # T2I R@1: c 0.30, a 0.60, b 0.80; the evil model has none and stays last both ways
    assert click_header(tab, "T2I R@1") == "ascending"
    assert models_in_order(tab) == ["ref:c", "ref:a", "ref:b", EVIL_MODEL]
    assert click_header(tab, "T2I R@1") == "descending"
    assert models_in_order(tab) == ["ref:b", "ref:a", "ref:c", EVIL_MODEL]
    # only the active header carries aria-sort
    assert tab.locator("#leaderboard thead th[aria-sort]").count() == 1
    # samples/s: c 25, evil 50, a 100, b 400
    click_header(tab, "samples/s")
    assert models_in_order(tab) == ["ref:c", EVIL_MODEL, "ref:a", "ref:b"]
    assert not watch.errors and not watch.dialogs


def test_a_model_named_with_html_renders_as_text(site: Path, page: tuple[Any, Watch]) -> None:
    tab, watch = page
    tab.goto((site / "index.html").as_uri())
    link = tab.locator("#leaderboard td.model a", has_text="onerror")
    assert link.text_content() == EVIL_MODEL
    assert tab.evaluate("document.querySelectorAll('img').length") == 0  # plots are inline SVG
    titles = tab.eval_on_selector_all("svg.pareto circle title", "ts => ts.map(t => t.textContent)")
    assert any(t.startswith(EVIL_MODEL + ":") for t in titles)
    link.click()
    tab.wait_for_load_state("load")
    assert tab.locator("h1").text_content() == EVIL_MODEL
    assert tab.evaluate("document.querySelectorAll('img').length") == 0
    assert tab.evaluate("document.title").startswith(EVIL_MODEL)
    tab.wait_for_timeout(200)  # give an injected handler the chance to fire
    assert watch.dialogs == []
    assert not watch.errors


def _local_target(site: Path, url: str) -> tuple[Path, str]:
    parts = urlsplit(url)
    assert parts.scheme == "file", f"non-local link {url}"
    path = Path(unquote(parts.path)).resolve()
    assert path.is_relative_to(site.resolve()), f"link leaves the site: {url}"
    assert path.is_file(), f"broken link: {url}"
    return path, parts.fragment


def test_every_link_resolves(site: Path, page: tuple[Any, Watch]) -> None:
    tab, _ = page
    queue = [(site / "index.html").resolve()]
    visited: set[Path] = set()
    checked: set[str] = set()
    while queue:
        current = queue.pop()
        if current in visited:
            continue
        visited.add(current)
        tab.goto(current.as_uri())
        urls = tab.evaluate(
            """() => [
                ...[...document.querySelectorAll('a[href], link[href]')].map(e => e.href),
                ...[...document.querySelectorAll('img[src], script[src]')].map(e => e.src),
            ]"""
        )
        assert urls, f"no links on {current}"
        for url in urls:
            target, fragment = _local_target(site, url)
            checked.add(target.relative_to(site.resolve()).as_posix())
            if fragment:
                found = tab.evaluate(
                    "([u, id]) => u === location.href.split('#')[0] ? "
                    "!!document.getElementById(id) : null",
                    [url.split("#")[0], unquote(fragment)],
                )
                if found is None:  # a fragment on another page: open it and look
                    other = tab.context.new_page()
                    other.goto(url)
                    found = other.evaluate("id => !!document.getElementById(id)", unquote(fragment))
                    other.close()
                assert found, f"missing anchor #{fragment} for {url}"
            if target.suffix == ".html":
                queue.append(target)
    models = {p.resolve() for p in (site / "models").glob("*.html")}
    assert len(models) == 4 and models <= visited
    assert {
        "leaderboard.csv",
        "leaderboard.json",
        "leaderboard.md",
        "assets/site.css",
        "assets/site.js",
    } <= checked


def test_works_from_file_with_no_network(site: Path, page: tuple[Any, Watch]) -> None:
    tab, watch = page
    tab.goto((site / "index.html").as_uri())
    tab.wait_for_load_state("load")
    assert watch.requests and all(url.startswith("file://") for url in watch.requests)
    assert watch.blocked == []
    # the stylesheet, the script and the image all loaded under the page's CSP
    background = tab.evaluate("getComputedStyle(document.querySelector('header')).backgroundColor")
    assert background == "rgb(36, 41, 47)"
    assert tab.evaluate("document.querySelector('svg.pareto').getBoundingClientRect().width") > 0
    click_header(tab, "VQA accuracy")
    assert tab.locator("#leaderboard thead th[aria-sort=ascending]").count() == 1
    assert watch.errors == []


CROWDED_SPEC = """
title = "Crowded"
[[columns]]
task = "shapes-vqa"
metric = "accuracy"
label = "VQA accuracy"
[[columns]]
task = "shapes-retrieval"
metric = "t2i_R@1"
[[columns]]
task = "shapes-captioning"
metric = "CIDEr"
[[columns]]
task = "shapes-sentiment"
metric = "accuracy"
"""


@pytest.fixture(scope="module")
def crowded_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Twelve models with long names, near-identical scores and speeds on two hardware
    setups: the layout a label placer most easily gets wrong."""
    from report_fixtures import FakeRun, Metric, exact, mean_rows

    root = tmp_path_factory.mktemp("crowded")
    spec = root / "crowded.toml"
    spec.write_text(CROWDED_SPEC, encoding="utf-8")
    for i in range(12):
        for task, metric in (("shapes-vqa", "accuracy"), ("shapes-retrieval", "t2i_R@1")):
            FakeRun(
                task=task,
                model=f"hf:some-organisation/model-variant-{i:02d}",
                metrics={metric: Metric(mean_rows(exact(0.5 + 0.05 * (i % 3), 20)))},
                headline=[metric],
                samples_per_s=100.0 + i,
                model_settings={"dtype": "bf16" if i % 2 else "fp32"},
            ).write(root / "results")
    return build_site(spec, root / "results", root / "site").out


def test_plot_labels_never_overlap_and_every_task_has_a_section(
    crowded_site: Path, page: tuple[Any, Watch], tmp_path: Path
) -> None:
    tab, watch = page
    tab.set_viewport_size({"width": 1280, "height": 900})
    tab.goto((crowded_site / "index.html").as_uri())
    tab.wait_for_load_state("load")
    tasks = tab.eval_on_selector_all(
        "section.task", "ss => ss.map(s => s.getAttribute('data-task'))"
    )
    assert tasks == ["shapes-vqa", "shapes-retrieval", "shapes-captioning", "shapes-sentiment"]
    for task in tasks:
        assert tab.locator(f"section.task[data-task='{task}'] h2").text_content() == task
    plots = tab.locator("section.task svg.pareto")
    assert plots.count() == 2  # the two tasks with runs
    for i in range(plots.count()):
        plot = plots.nth(i)
        plot.scroll_into_view_if_needed()
        plot.screenshot(path=str(tmp_path / f"plot-{i}.png"))
        assert (tmp_path / f"plot-{i}.png").stat().st_size > 1000
        frame = plot.bounding_box()
        boxes = plot.locator("text.label").evaluate_all(
            "ts => ts.map(t => { const r = t.getBoundingClientRect();"
            " return [r.left, r.top, r.right, r.bottom, t.textContent]; })"
        )
        assert len(boxes) >= 3, "the placer should fit at least a few labels"
        for j, a in enumerate(boxes):
            assert frame["x"] <= a[0] and a[2] <= frame["x"] + frame["width"] + 0.5, a[4]
            for b in boxes[j + 1 :]:
                apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
                assert apart, f"labels overlap: {a[4]} and {b[4]}"
        # every point has a hover title, labelled or not
        assert plot.locator("circle title").count() == 12
        legend = plot.locator("xpath=..").locator("ul.legend li").all_text_contents()
        assert sorted(t.strip() for t in legend) == ["cpu bf16", "cpu fp32"]
    assert not watch.errors
