// The manager's dashboard (/admin/stats): draws each chart from the table beside it
// (Chart.js, vendored in static/vendor/), shows the comparison dates only when asked for,
// and saves the business's targets (PATCH /api/v1/tenant). The page reads well without it.

// Chart.js's UMD build: imported for its effect, it sets globalThis.Chart (the page's
// scripts are all modules).
import "../vendor/chart.umd.min.js";
import { api, ApiError } from "./lib/api.js";
import { dateFormat, t } from "./lib/i18n.js";

const charts = [];
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
const darkMode = window.matchMedia("(prefers-color-scheme: dark)");

/** The page's colours (static/css/admin-stats.css), light or dark as the page is now. */
function palette() {
  const style = getComputedStyle(document.documentElement);
  const read = (name) => style.getPropertyValue(name).trim();
  return {
    series: [read("--chart-1"), read("--chart-2"), read("--chart-3"), read("--chart-4")],
    text: read("--text"),
    grid: read("--line"),
  };
}

/** A chart's data from its table: row headers as labels, each data-series column a series. */
function readTable(table) {
  const heads = [...table.tHead.rows[0].cells];
  const columns = heads
    .map((th, index) => ({ th, index }))
    .filter(({ th }) => th.dataset.series !== undefined);
  const rows = [...table.tBodies[0].rows];
  return {
    labels: rows.map((row) => row.cells[0].textContent.trim()),
    series: columns.map(({ th, index }) => ({
      key: th.dataset.series,
      label: th.textContent.trim(),
      dashed: th.dataset.dashed !== undefined,
      values: rows.map((row) => {
        const text = row.cells[index]?.dataset.value ?? "";
        return text === "" ? null : Number(text);
      }),
    })),
  };
}

// A day's key ("2026-11-06") on a time axis as the reader writes a day ("6 nov"): thirty
// slanted ISO dates filled a tablet's chart; the table under it keeps the full key.
const DAY = /^\d{4}-\d{2}-\d{2}$/;
// The server writes the period's days in the page's language (web/admin/_stats_charts.html):
// Intl is the fallback, and a browser without the language's dates (Galician in Debian's
// Chromium) wrote Spanish months there.
const dayFormat = dateFormat({ day: "numeric", month: "short", timeZone: "UTC" });
const dayNames = JSON.parse(document.getElementById("charts")?.dataset.days || "{}");
const dayLabel = (key) => (
  DAY.test(key) ? dayNames[key] ?? dayFormat.format(new Date(`${key}T00:00:00Z`)) : key);

function config(figure, data, colours) {
  const kind = figure.dataset.chart;
  const horizontal = kind === "hbar";
  const datasets = data.series.map((s, i) => {
    const colour = colours.series[i % colours.series.length];
    return {
      label: s.label,
      data: s.values,
      backgroundColor: s.dashed ? "transparent" : colour,
      borderColor: colour,
      borderWidth: kind === "line" ? 2 : 0,
      borderDash: s.dashed ? [6, 4] : [],
      pointRadius: s.dashed ? 0 : 3,
      spanGaps: s.dashed,
    };
  });
  const axis = { ticks: { color: colours.text }, grid: { color: colours.grid } };
  // counts are whole: no "0.5 SOS" ticks on the value axis
  const counts = { ...axis, ticks: { ...axis.ticks, precision: kind === "line" ? undefined : 0 } };
  return {
    type: kind === "line" ? "line" : "bar",
    data: { labels: data.labels, datasets },
    options: {
      indexAxis: horizontal ? "y" : "x",
      maintainAspectRatio: false,
      // one short entrance, never again on a resize; none at all with reduced motion
      animation: reducedMotion.matches ? false : { duration: 400 },
      transitions: { resize: { animation: { duration: 0 } }, active: { animation: { duration: reducedMotion.matches ? 0 : 200 } } },
      plugins: {
        legend: { display: datasets.length > 1, labels: { color: colours.text } },
      },
      scales: {
        x: horizontal ? { ...counts, beginAtZero: true } : data.labels.every((key) => DAY.test(key))
          ? { ...axis, ticks: { ...axis.ticks, maxRotation: 0, autoSkipPadding: 12,
            callback(value) { return dayLabel(this.getLabelForValue(value)); } } }
          : axis,
        y: horizontal ? axis : { ...counts, beginAtZero: figure.id !== "chart-satisfaction" },
      },
    },
  };
}

function draw() {
  while (charts.length) charts.pop().destroy();
  if (typeof window.Chart !== "function") return;
  // The boxes are shown before the charts are made: a chart made in a hidden box (0 x 0)
  // was laid out again when it appeared ("attach"), its bars animating to other days and
  // sizes for seconds after the page had loaded.
  document.getElementById("charts")?.classList.add("charts-on");
  const colours = palette();
  window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  window.Chart.defaults.font.size = 13;
  for (const figure of document.querySelectorAll("figure.chart[data-chart]")) {
    const canvas = figure.querySelector("canvas");
    const table = figure.querySelector("table");
    if (!canvas || !table || !table.tBodies[0]?.rows.length) {
      figure.classList.add("chart-empty");
      continue;
    }
    charts.push(new window.Chart(canvas, config(figure, readTable(table), colours)));
  }
}

/** The custom comparison dates only when "Other dates" is chosen. */
function followCompare() {
  const select = document.getElementById("stats-compare");
  if (!select) return;
  const show = () => {
    for (const el of document.querySelectorAll("[data-custom]")) el.hidden = select.value !== "custom";
  };
  select.addEventListener("change", show);
  show();
}

const SHARE = "within_promise_share";

function targetValue(input) {
  const text = input.value.trim();
  if (text === "") return null;
  const number = Number(text);
  if (!Number.isFinite(number)) return text; // the server names it
  return input.name === SHARE ? Math.round(number * 10) / 1000 : number;
}

function targetsForm() {
  const form = document.getElementById("targets-form");
  if (!form) return;
  const error = document.getElementById("targets-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    for (const input of form.querySelectorAll("input")) input.removeAttribute("aria-invalid");
    const targets = {};
    for (const input of form.querySelectorAll("input[name]")) targets[input.name] = targetValue(input);
    form.setAttribute("aria-busy", "true");
    try {
      await api("PATCH", "/api/v1/tenant", { targets });
      sessionStorage.setItem("stats-targets-saved", "1");
      window.location.reload();
    } catch (exc) {
      form.removeAttribute("aria-busy");
      const name = exc instanceof ApiError ? exc.field.replace(/^targets\./, "") : "";
      const input = name ? form.querySelector(`input[name="${CSS.escape(name)}"]`) : null;
      if (input) {
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", "targets-error");
        input.focus();
      }
      error.textContent = input ? t(`targets.${name}`) : exc.message;
    }
  });
  if (sessionStorage.getItem("stats-targets-saved")) {
    sessionStorage.removeItem("stats-targets-saved");
    const status = document.createElement("p");
    status.className = "status-msg";
    status.setAttribute("role", "status");
    status.id = "targets-status";
    status.textContent = t("targets.saved");
    document.getElementById("targets-table")?.after(status);
  }
}

draw();
followCompare();
targetsForm();
darkMode.addEventListener("change", draw);
reducedMotion.addEventListener("change", draw);
