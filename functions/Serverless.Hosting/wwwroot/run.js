// One run: its status and a timeline of its steps from the history (step, start, duration, outcome).
"use strict";
(() => {
  const { api, requireKey, el, time, duration, statusBadge, stepText, param, showError } = Serverless;
  const id = param("id");
  const path = `/api/workflows/${encodeURIComponent(id || "")}`;

  function summary(run) {
    const item = (label, ...value) => el("div", {}, el("span", { class: "label", text: label }), el("span", {}, ...value));
    return el("div", { class: "summary" },
      item("Workflow", run.name),
      item("Status", statusBadge(run.runtimeStatus)),
      item("Step", stepText(run.customStatus) || "—"),
      item("Created", time(run.createdTime)),
      item("Updated", time(run.lastUpdatedTime)),
      run.failureDetails ? item("Failure", el("span", { class: "error", text: run.failureDetails.rootMessage })) : null);
  }

  function timeline(steps) {
    if (steps.length === 0) return el("p", { class: "muted", text: "No steps yet." });
    const starts = steps.map((s) => Date.parse(s.start));
    const ends = steps.map((s) => (s.end ? Date.parse(s.end) : Date.now()));
    const t0 = Math.min(...starts);
    const span = Math.max(1, Math.max(...ends) - t0);
    const rows = steps.map((step, i) => {
      const left = ((starts[i] - t0) / span) * 100;
      const width = Math.max(0.3, ((ends[i] - starts[i]) / span) * 100);
      const name = step.count > 1 ? `${step.name} ×${step.count}` : step.name;
      const outcome = step.count > 1 && step.outcome !== "completed"
        ? `${step.outcome} (${step.completed} done, ${step.failed} failed of ${step.count})` : step.outcome;
      return el("tr", { class: `step step-${step.outcome}` },
        el("td", {}, el("strong", { text: name }), el("div", { class: "muted", text: step.kind })),
        el("td", { text: time(step.start) }),
        el("td", { class: "num", text: step.end ? duration(step.durationSeconds) : "…" }),
        el("td", {}, el("span", { class: `badge status-${badgeClass(step.outcome)}`, text: outcome }),
          step.detail ? el("div", { class: "muted", text: step.detail }) : null),
        el("td", { class: "bar-cell" }, el("div", { class: "bar-track" },
          el("div", { class: `bar ${step.kind} ${step.outcome}`, style: `left:${left}%;width:${Math.min(width, 100 - left)}%` }))));
    });
    return el("table", { class: "timeline" },
      el("thead", {}, el("tr", {}, ["Step", "Start", "Duration", "Outcome", ""].map((h) => el("th", { text: h })))),
      el("tbody", {}, rows));
  }

  function badgeClass(outcome) {
    if (outcome === "completed" || outcome === "fired" || outcome === "received") return "completed";
    if (outcome === "failed" || outcome === "terminated") return "failed";
    if (outcome === "not needed" || outcome === "abandoned") return "suspended";
    return "running";
  }

  function actions(run) {
    const bar = [];
    if (run.customStatus && run.customStatus.waitingFor === "ForecastReviewed") {
      bar.push(el("a", { class: "button primary", href: `review.html?id=${encodeURIComponent(run.instanceId)}`, text: "Review the forecast" }));
    }
    if (["Running", "Pending", "Suspended"].includes(run.runtimeStatus)) {
      bar.push(el("button", { type: "button", class: "danger", text: "Terminate", onclick: async () => {
        if (!confirm(`Terminate ${run.instanceId}?`)) return;
        await api(`${path}/terminate?reason=${encodeURIComponent("terminated from the runs page")}`, { method: "POST" });
        await load();
      } }));
    }
    return bar;
  }

  function payloads(run) {
    const block = (title, value) => value === null || value === undefined ? null
      : el("details", {}, el("summary", { text: title }), el("pre", { class: "json", text: JSON.stringify(value, null, 2) }));
    return [block("Input", run.input), block("Output", run.output), block("Failure", run.failureDetails)];
  }

  let timer = null;
  async function load() {
    try {
      const [run, history] = await Promise.all([api(path), api(`${path}/history?events=false`)]);
      document.title = `${run.instanceId} · serverless host`;
      document.getElementById("title").textContent = `${run.name} · ${run.instanceId}`;
      document.getElementById("summary").replaceChildren(summary(run));
      document.getElementById("actions").replaceChildren(...actions(run));
      document.getElementById("timeline").replaceChildren(timeline(history.steps));
      document.getElementById("payloads").replaceChildren(...payloads(run).filter(Boolean));
      const finished = ["Completed", "Failed", "Terminated", "Canceled"].includes(run.runtimeStatus);
      if (finished && timer) { clearInterval(timer); timer = null; }
      if (!finished && !timer) timer = setInterval(load, 3000);
    } catch (error) {
      if (error.status !== 401) showError(document.getElementById("timeline"), error);
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    if (!id) { showError(document.getElementById("timeline"), new Error("No run given: open this page as run.html?id=<instance id>.")); return; }
    await requireKey();
    await load();
  });
})();
