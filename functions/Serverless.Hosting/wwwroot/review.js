// The weekly forecast review: flags first, per store x item a chart of the recent sales, the forecast and the
// proposed orders, with the week's order editable; approve (with changes: adjust) or reject raises ForecastReviewed.
"use strict";
(() => {
  const { api, requireKey, el, time, param, showError } = Serverless;
  // The workflow's notification links use ?instance=; the runs pages use ?id=.
  const id = param("id") || param("instance");
  const svgNs = "http://www.w3.org/2000/svg";
  const pageSize = 60;
  const changes = new Map(); // "store|item" -> weekUnits chosen by the reviewer
  let pack = null;
  let shown = pageSize;

  const keyOf = (s) => `${s.store}|${s.item}`;

  function svg(tag, attributes = {}) {
    const node = document.createElementNS(svgNs, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    return node;
  }

  // History line, forecast mean and quantile lines, order bars for the target week, a marker at the week's start.
  function chart(series, weekUnits) {
    const width = 360, height = 150, left = 34, right = 6, top = 8, bottom = 20;
    const days = [...series.history.map((h) => h.date), ...series.forecast.map((f) => f.date)];
    const scale = series.weekUnits > 0 ? weekUnits / series.weekUnits : 1;
    const orders = series.orders.map((o) => o * scale);
    const maxY = Math.max(1, ...series.history.map((h) => h.sales), ...series.forecast.map((f) => Math.max(f.mean, f.quantile)), ...orders);
    const x = (i) => left + (i + 0.5) * ((width - left - right) / days.length);
    const y = (v) => top + (1 - v / maxY) * (height - top - bottom);
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": `${series.store} ${series.item}: sales, forecast and orders` });
    root.append(svg("line", { x1: left, x2: width - right, y1: y(0), y2: y(0), stroke: "#d8dee6" }));
    for (const v of [0, maxY]) {
      const label = svg("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end", "font-size": 10, fill: "#5b6b7c" });
      label.textContent = Math.round(v);
      root.append(label);
    }
    const start = series.history.length;
    const barWidth = Math.max(2, ((width - left - right) / days.length) * 0.7);
    orders.forEach((o, i) => root.append(svg("rect", { class: "order-bar", x: x(start + i) - barWidth / 2, y: y(o),
      width: barWidth, height: Math.max(0, y(0) - y(o)), fill: "var(--order)", opacity: 0.35 })));
    const line = (points, attributes) => {
      if (points.length === 0) return;
      root.append(svg("polyline", { points: points.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" "), fill: "none", ...attributes }));
    };
    line(series.history.map((h, i) => [i, h.sales]), { stroke: "var(--history)", "stroke-width": 1.5, class: "history" });
    line(series.forecast.map((f, i) => [start + i, f.quantile]), { stroke: "var(--forecast)", "stroke-width": 1.5, "stroke-dasharray": "4 3", opacity: 0.6 });
    line(series.forecast.map((f, i) => [start + i, f.mean]), { stroke: "var(--forecast)", "stroke-width": 2, class: "forecast" });
    const split = (x(start - 1) + x(start)) / 2;
    root.append(svg("line", { x1: split, x2: split, y1: top, y2: y(0), stroke: "#9aa5b1", "stroke-dasharray": "2 2" }));
    for (const [i, anchor] of [[0, "start"], [start, "start"]]) {
      if (!days[i]) continue;
      const label = svg("text", { x: i === 0 ? left : split + 2, y: height - 6, "font-size": 10, fill: "#5b6b7c", "text-anchor": anchor });
      label.textContent = days[i].slice(5);
      root.append(label);
    }
    return root;
  }

  function card(series) {
    const key = keyOf(series);
    const chosen = changes.has(key) ? changes.get(key) : series.weekUnits;
    const flagged = series.flags.length > 0;
    const holder = el("div", { class: "chart" }, chart(series, chosen));
    const input = el("input", { type: "number", min: "0", step: "1", value: String(chosen), name: "weekUnits",
      "aria-label": `Week order for ${series.store} ${series.item}` });
    const node = el("article", { class: `series${flagged ? " flagged" : ""}${changes.has(key) ? " changed" : ""}`,
      "data-store": series.store, "data-item": series.item },
      el("header", {}, el("h3", { text: `${series.store} · ${series.itemName || series.item}` }), el("span", { class: "muted", text: series.item })),
      flagged ? el("div", {}, series.flags.map((f) => el("span", { class: "chip", text: f }))) : null,
      holder,
      el("div", { class: "orders" },
        el("span", { class: "muted", text: `Proposed ${series.weekUnits} (${series.orders.join(" / ")})` }),
        el("label", {}, "Week order", input)));
    input.addEventListener("input", () => {
      const value = Number.parseInt(input.value, 10);
      if (Number.isNaN(value) || value < 0 || value === series.weekUnits) changes.delete(key);
      else changes.set(key, value);
      node.classList.toggle("changed", changes.has(key));
      holder.replaceChildren(chart(series, changes.has(key) ? changes.get(key) : series.weekUnits));
      updateCount();
    });
    return node;
  }

  function visibleSeries() {
    const text = document.getElementById("filter").value.trim().toLowerCase();
    const onlyFlagged = document.getElementById("only-flagged").checked;
    return pack.series.filter((s) => (!onlyFlagged || s.flags.length > 0)
      && (!text || `${s.store} ${s.item} ${s.itemName || ""}`.toLowerCase().includes(text)));
  }

  function renderSeries() {
    const list = visibleSeries();
    document.getElementById("series").replaceChildren(...list.slice(0, shown).map(card));
    const more = document.getElementById("more-series");
    more.hidden = list.length <= shown;
    more.textContent = `Show more (${list.length - shown} left)`;
  }

  function updateCount() {
    document.getElementById("change-count").textContent = changes.size === 0 ? "No changes."
      : `${changes.size} order${changes.size === 1 ? "" : "s"} changed: approving sends them as adjustments.`;
  }

  function renderPackage() {
    const item = (label, value) => el("div", {}, el("span", { class: "label", text: label }), el("span", {}, value));
    const deadline = pack.deadline ? `${time(pack.deadline)}` : "none";
    document.getElementById("title").textContent = `Weekly forecast review · week ${pack.weekStart} to ${pack.weekEnd}`;
    document.getElementById("package-summary").replaceChildren(el("div", { class: "summary" },
      item("Run date", pack.runDate),
      item("Service level", `${Math.round(pack.serviceLevel * 1000) / 10}%`),
      item("Model", `${pack.model.name}${pack.model.promoted ? " (promoted)" : " (fallback)"}`),
      item("Why", pack.model.reason),
      item("Decision due", deadline),
      item("Series", `${pack.series.length} (${pack.series.filter((s) => s.flags.length).length} flagged)`)),
      pack.summary ? el("p", { text: pack.summary }) : null);
    const flags = document.getElementById("flags");
    flags.replaceChildren(...pack.flags.map((f) => el("li", { class: String(f.severity).toLowerCase() },
      el("strong", { text: `${f.store} · ${f.item}` }), ` ${f.kind}: ${f.message}`)));
    document.getElementById("flags-section").hidden = pack.flags.length === 0;
    document.getElementById("series-section").hidden = false;
    document.getElementById("decision").hidden = false;
    renderSeries();
  }

  async function followRun(result) {
    result.replaceChildren(el("p", { text: "Decision sent. Waiting for the run to finish…" }));
    for (let attempt = 0; attempt < 600; attempt++) {
      const run = await api(`/api/workflows/${encodeURIComponent(id)}`);
      if (["Completed", "Failed", "Terminated", "Canceled"].includes(run.runtimeStatus)) {
        const output = run.output || {};
        const published = output.published || [];
        result.replaceChildren(
          el("p", { class: run.runtimeStatus === "Completed" ? "" : "error", id: "final-status",
            text: `Run ${run.runtimeStatus.toLowerCase()}${output.decision ? `: ${output.decision}` : ""}${run.failureDetails ? ` (${run.failureDetails.rootMessage})` : ""}.` }),
          published.length === 0 ? null : el("table", { id: "published" },
            el("thead", {}, el("tr", {}, ["Store", "File", "Lines", "Units"].map((h) => el("th", { text: h })))),
            el("tbody", {}, published.map((p) => el("tr", {}, el("td", { text: p.store }), el("td", {}, el("code", { text: p.path })),
              el("td", { class: "num", text: p.lines }), el("td", { class: "num", text: p.units }))))),
          el("p", {}, el("a", { href: `run.html?id=${encodeURIComponent(id)}`, text: "See the run's timeline" })));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  async function submit(event) {
    event.preventDefault();
    const form = event.target;
    const choice = event.submitter ? event.submitter.value : "approve";
    const reviewer = form.reviewer.value.trim();
    const result = document.getElementById("result");
    if (!reviewer) { result.replaceChildren(el("p", { class: "error", text: "Enter your name as the reviewer." })); return; }
    localStorage.setItem("serverless.reviewer", reviewer);
    const adjustments = [...changes].map(([key, weekUnits]) => {
      const [store, item] = key.split("|");
      return { store, item, weekUnits };
    });
    const decision = choice === "reject" ? "reject" : adjustments.length > 0 ? "adjust" : "approve";
    if (decision === "reject" && !confirm("Reject this forecast? No orders are published.")) return;
    const body = { decision, reviewer, comment: form.comment.value.trim() || null, adjustments: decision === "adjust" ? adjustments : [] };
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    try {
      await api(`/api/forecasts/${encodeURIComponent(id)}/review`, { method: "POST", body });
      document.getElementById("series").querySelectorAll("input").forEach((input) => { input.disabled = true; });
      await followRun(result);
    } catch (error) {
      for (const button of form.querySelectorAll("button")) button.disabled = false;
      if (error.status !== 401) showError(result, error);
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const summary = document.getElementById("package-summary");
    if (!id) { showError(summary, new Error("No run given: open this page as review.html?id=<instance id>.")); return; }
    document.getElementById("run-link").href = `run.html?id=${encodeURIComponent(id)}`;
    document.getElementById("decision").addEventListener("submit", submit);
    document.getElementById("decision").reviewer.value = localStorage.getItem("serverless.reviewer") || "";
    document.getElementById("filter").addEventListener("input", () => { shown = pageSize; renderSeries(); });
    document.getElementById("only-flagged").addEventListener("change", () => { shown = pageSize; renderSeries(); });
    document.getElementById("more-series").addEventListener("click", () => { shown += pageSize; renderSeries(); });
    await requireKey();
    try {
      pack = await api(`/api/forecasts/${encodeURIComponent(id)}/review`);
      renderPackage();
    } catch (error) {
      if (error.status === 409) {
        showError(summary, new Error(`${error.message} See the run for its outcome.`));
      } else if (error.status !== 401) {
        showError(summary, error);
      }
    }
  });
})();
