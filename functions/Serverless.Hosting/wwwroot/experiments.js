// The experiments dashboard: per experiment the variants' figures with 95% intervals, lift against the control,
// the probability of being best and the expected loss, the sample-ratio check, and the weight history.
"use strict";
(() => {
  const { api, requireKey, el, time, showError } = Serverless;
  const svgNs = "http://www.w3.org/2000/svg";
  const palette = ["#1f6feb", "#8250df", "#1a7f37", "#bc4c00", "#cf222e", "#0a7ea4", "#9a6700", "#57606a"];
  let timer = null;
  const notes = new Map(); // experiment id -> the last "Recompute now" answer, kept across refreshes

  function svg(tag, attributes = {}, text) {
    const node = document.createElementNS(svgNs, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const num = (v, digits = 4) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(digits));
  const pct = (v, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? "—" : `${(v * 100).toFixed(digits)}%`);
  const int = (v) => (v === null || v === undefined ? "—" : Number(v).toLocaleString());

  // Rates as percentages, values per user as plain numbers.
  function formatter(metric) {
    return metric === "Conversion" ? (v) => pct(v, 2) : (v) => num(v, 2);
  }

  function srmBadge(analysis) {
    if (!analysis) return el("span", { class: "badge neutral", text: "no data yet" });
    const srm = analysis.statistics.sampleRatio;
    if (srm.mismatch) return el("span", { class: "badge bad", text: "sample ratio mismatch" });
    return el("span", { class: "badge ok", text: srm.pValue === null ? "sample ratio: nothing to test" : "sample ratio ok" });
  }

  function variantTable(experiment) {
    const analysis = experiment.analysis;
    const weights = new Map(experiment.allocation.current.weights.map((w) => [w.variantId, w.weight]));
    const metric = analysis ? analysis.statistics.metric : (experiment.definition.primaryMetric === "valuePerUser" ? "ValuePerUser" : "Conversion");
    const fmt = formatter(metric);
    const head = el("tr", {},
      el("th", { text: "Variant" }), el("th", { class: "num", text: "Weight" }), el("th", { class: "num", text: "Exposed users" }),
      el("th", { class: "num", text: metric === "Conversion" ? "Converting" : "Users with value" }),
      el("th", { class: "num", text: metric === "Conversion" ? "Conversion" : "Value per user" }),
      el("th", { class: "num", text: "95% interval" }), el("th", { class: "num", text: "Lift vs control [95%]" }),
      el("th", { class: "num", text: "p-value" }), el("th", { text: "P(best)" }), el("th", { class: "num", text: "Expected loss" }));
    const rows = [];
    const stats = analysis ? analysis.statistics.variants : [];
    const bestP = stats.length ? Math.max(...stats.map((v) => v.probabilityBest)) : null;
    const variants = experiment.definition.variants.map((d) => ({ id: d.id, parameters: d.parameters, s: stats.find((v) => v.variantId === d.id) }));
    for (const v of variants) {
      const s = v.s;
      const lift = s && s.liftVersusControl;
      const interval = s && s.estimateInterval;
      const params = Object.entries(v.parameters || {}).map(([k, val]) => `${k}=${val}`).join(", ");
      rows.push(el("tr", { class: s && s.probabilityBest === bestP && stats.length > 1 ? "best" : null },
        el("td", { class: v.id === experiment.definition.control ? "control" : null, title: params },
          v.id, v.id === experiment.definition.control ? el("span", { class: "muted", text: " (control)" }) : null,
          params ? el("div", { class: "muted", text: params }) : null),
        el("td", { class: "num", text: pct(weights.get(v.id), 1) }),
        el("td", { class: "num", text: s ? int(s.exposedUsers) : "0" }),
        el("td", { class: "num", text: s ? int(s.convertingUsers) : "0" }),
        el("td", { class: "num", text: s ? fmt(s.estimate) : "—" }),
        el("td", { class: "num", text: interval ? `[${fmt(interval.lower)}, ${fmt(interval.upper)}]` : "—" }),
        el("td", { class: "num", text: lift ? `${pct(lift.relative)} ${lift.interval ? `[${pct(lift.interval.lower)}, ${pct(lift.interval.upper)}]` : ""}` : "—" }),
        el("td", { class: "num", text: s && s.testVersusControl ? num(s.testVersusControl.pValue) : "—" }),
        el("td", {}, s ? pct(s.probabilityBest) : "—",
          s ? el("span", { class: "probability" }, (() => { const i = el("i"); i.style.width = `${(s.probabilityBest * 100).toFixed(1)}%`; return i; })()) : null),
        el("td", { class: "num", text: s ? fmt(s.expectedLoss) : "—" })));
    }
    return el("table", {}, el("thead", {}, head), el("tbody", {}, rows));
  }

  // Each variant's estimate with its interval on one axis.
  function intervalChart(experiment) {
    const analysis = experiment.analysis;
    if (!analysis) return null;
    const variants = analysis.statistics.variants.filter((v) => v.estimateInterval);
    if (!variants.length) return null;
    const fmt = formatter(analysis.statistics.metric);
    const width = 420, row = 26, left = 90, right = 16, top = 8;
    const height = top + row * variants.length + 22;
    const lo = Math.min(...variants.map((v) => v.estimateInterval.lower));
    const hi = Math.max(...variants.map((v) => v.estimateInterval.upper));
    const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.1 || 0.01;
    const min = lo - pad, max = hi + pad;
    const x = (v) => left + ((v - min) / (max - min)) * (width - left - right);
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${experiment.id}: estimates with 95% intervals` });
    const axisY = top + row * variants.length + 4;
    root.append(svg("line", { x1: left, x2: width - right, y1: axisY, y2: axisY, stroke: "#d8dee6" }));
    for (const t of [min + pad, (min + max) / 2, max - pad]) {
      root.append(svg("text", { x: x(t), y: axisY + 14, "text-anchor": "middle", "font-size": 10, fill: "#5b6b7c" }, fmt(t)));
    }
    variants.forEach((v, i) => {
      const y = top + row * i + row / 2;
      const color = palette[i % palette.length];
      root.append(svg("text", { x: left - 6, y: y + 4, "text-anchor": "end", "font-size": 11, fill: "#1d2733" }, v.variantId));
      root.append(svg("line", { x1: x(v.estimateInterval.lower), x2: x(v.estimateInterval.upper), y1: y, y2: y, stroke: color, "stroke-width": 3, "stroke-linecap": "round", opacity: 0.5 }));
      root.append(svg("circle", { cx: x(v.estimate), cy: y, r: 4, fill: color }));
    });
    return el("figure", {}, el("figcaption", { text: "Estimate and 95% interval per variant" }), root);
  }

  // The weights after each change, one step line per variant; changes are evenly spaced (a bandit's updates cluster in
  // time, an experiment's start may be months before them), labelled with their dates below.
  function weightChart(experiment) {
    const history = experiment.allocation.history;
    const ids = experiment.definition.variants.map((v) => v.id);
    const width = 420, height = 170, left = 34, right = 10, top = 8, bottom = 44;
    const steps = history.length;
    const x = (k) => left + (k / Math.max(steps, 1)) * (width - left - right);
    const y = (w) => top + (1 - w) * (height - top - bottom);
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${experiment.id}: weight history` });
    for (const w of [0, 0.5, 1]) {
      root.append(svg("line", { x1: left, x2: width - right, y1: y(w), y2: y(w), stroke: "#eef1f4" }));
      root.append(svg("text", { x: left - 4, y: y(w) + 4, "text-anchor": "end", "font-size": 10, fill: "#5b6b7c" }, `${w * 100}%`));
    }
    const label = (h) => (h.effectiveFrom.startsWith("0001") ? "start" : new Date(h.effectiveFrom).toLocaleDateString(undefined, { month: "short", day: "numeric" }));
    const every = Math.max(1, Math.ceil(steps / 6));
    history.forEach((h, k) => {
      if (k % every !== 0 && k !== steps - 1) return;
      root.append(svg("text", { x: x(k) + 2, y: y(0) + 12, "font-size": 9, fill: "#5b6b7c" }, label(h)));
    });
    ids.forEach((id, i) => {
      const points = [];
      history.forEach((h, k) => {
        const w = (h.weights.weights.find((v) => v.variantId === id) || { weight: 0 }).weight;
        points.push([x(k), y(w)], [x(k + 1), y(w)]);
      });
      root.append(svg("polyline", { points: points.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(" "), fill: "none",
        stroke: palette[i % palette.length], "stroke-width": 2, opacity: 0.85 }));
    });
    const legend = svg("g", {});
    ids.forEach((id, i) => {
      const lx = left + i * 110;
      legend.append(svg("rect", { x: lx, y: height - 14, width: 10, height: 4, fill: palette[i % palette.length] }));
      legend.append(svg("text", { x: lx + 14, y: height - 9, "font-size": 10, fill: "#1d2733" }, id));
    });
    root.append(legend);
    const list = el("ol", { class: "history-list" }, history.slice().reverse().map((h) =>
      el("li", {}, `${h.effectiveFrom.startsWith("0001") ? "start" : time(h.effectiveFrom)}: ${h.reason} — `,
        h.weights.weights.map((w) => `${w.variantId} ${pct(w.weight)}`).join(", "), h.detail ? ` (${h.detail})` : "")));
    return el("figure", {}, el("figcaption", { text: `Weight history (${history.length} change${history.length === 1 ? "" : "s"})` }), root, list);
  }

  function srmDetail(analysis) {
    if (!analysis) return null;
    const srm = analysis.statistics.sampleRatio;
    const expected = srm.expectedShares.map((s) => pct(s)).join(" / ");
    const total = srm.observedUsers.reduce((a, b) => a + b, 0);
    const observed = srm.observedUsers.map((o) => pct(total ? o / total : 0)).join(" / ");
    return el("p", { class: `srm-detail${srm.mismatch ? " bad" : ""}` },
      `Sample ratio: observed ${observed} against expected ${expected}; chi-square ${num(srm.chiSquare, 2)}, p = ${num(srm.pValue)}`,
      srm.mismatch ? " — below the threshold: weights are frozen until someone looks." : "");
  }

  function card(experiment) {
    const analysis = experiment.analysis;
    const definition = experiment.definition;
    const recompute = el("button", { type: "button", text: "Recompute now" });
    const status = el("span", { class: "muted", role: "status", text: notes.get(experiment.id) || "" });
    recompute.addEventListener("click", async () => {
      recompute.disabled = true;
      try {
        const result = await api(`/api/experiments/${encodeURIComponent(experiment.id)}/recompute`, { method: "POST" });
        notes.set(experiment.id, result.recomputed ? "recomputed" : result.reason);
        await load();
      } catch (error) {
        notes.set(experiment.id, error.message);
        status.textContent = error.message;
      } finally {
        recompute.disabled = false;
      }
    });
    const quality = analysis ? analysis.statistics.dataQuality : null;
    return el("section", { class: "experiment", "data-experiment": experiment.id },
      el("header", {},
        el("h3", { text: experiment.id }),
        el("span", { class: "badge info", text: definition.mode === "thompson" ? "Thompson sampling" : "fixed split" }),
        el("span", { class: `badge ${experiment.running ? "ok" : "neutral"}`, text: experiment.running ? "running" : "not running" }),
        srmBadge(analysis),
        el("span", { class: "spacer" }), recompute, status),
      el("div", { class: "facts" },
        el("span", { text: `metric: ${definition.primaryMetric}` }),
        el("span", { text: `from ${time(definition.start)}${definition.stop ? ` to ${time(definition.stop)}` : ""}` }),
        definition.mode === "thompson" ? el("span", { text: `floor ${pct(definition.floorWeight)}, step ${pct(definition.maxWeightStep)}, minimum ${int(definition.minimumExposurePerVariant)} exposed per variant` }) : null,
        el("span", { text: analysis ? `analysed ${time(analysis.computedAt)} (events up to ${time(analysis.asOf)}, ${int(analysis.eventsAtCompute)} events)` : "no analysis yet" }),
        el("span", { text: `defined by ${experiment.source}` })),
      variantTable(experiment),
      srmDetail(analysis),
      analysis ? el("p", { class: "muted" }, `Weights: ${analysis.decision.reason} — ${analysis.decision.detail}`) : null,
      quality && (quality.convertingUsersWithoutExposure || quality.valueUsersWithoutExposure || quality.usersInMoreThanOneVariant)
        ? el("p", { class: "error" }, `Data quality: ${int(quality.convertingUsersWithoutExposure)} converting and ${int(quality.valueUsersWithoutExposure)} valued users without exposure, ${int(quality.usersInMoreThanOneVariant)} users in more than one variant.`)
        : null,
      el("div", { class: "charts" }, intervalChart(experiment), weightChart(experiment)));
  }

  async function load() {
    const target = document.getElementById("experiments");
    try {
      const list = await api("/api/experiments");
      const details = await Promise.all(list.map((e) => api(`/api/experiments/${encodeURIComponent(e.id)}`)));
      target.replaceChildren(...(details.length ? details.map(card) : [el("p", { class: "muted", text: "No experiments are defined." })]));
      document.getElementById("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      showError(target, error);
    }
  }

  function schedule() {
    clearInterval(timer);
    if (document.getElementById("auto-refresh").checked) timer = setInterval(load, 15000);
  }

  document.addEventListener("DOMContentLoaded", async () => {
    await requireKey();
    document.getElementById("refresh").addEventListener("click", load);
    document.getElementById("auto-refresh").addEventListener("change", schedule);
    await load();
    schedule();
  });
})();
