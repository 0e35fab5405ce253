// The list of runs with their status and current step; refreshes every few seconds.
"use strict";
(() => {
  const { api, requireKey, el, time, statusBadge, stepText, showError } = Serverless;
  const target = document.getElementById("runs");
  const form = document.getElementById("filters");
  const more = document.getElementById("more");
  let token = null;
  let rows = [];

  function query(continuation) {
    const data = new FormData(form);
    const params = new URLSearchParams({ top: "50" });
    for (const name of ["status", "name", "from", "to"]) {
      const value = String(data.get(name) || "").trim();
      if (!value) continue;
      params.set(name, name === "to" ? `${value}T23:59:59Z` : value);
    }
    if (continuation) params.set("continuationToken", continuation);
    return `/api/workflows?${params}`;
  }

  function render() {
    if (rows.length === 0) {
      target.replaceChildren(el("p", { class: "muted", text: "No runs match." }));
      return;
    }
    const body = rows.map((run) => {
      const waitingReview = run.customStatus && run.customStatus.waitingFor === "ForecastReviewed";
      return el("tr", { "data-instance": run.instanceId },
        el("td", {}, el("a", { href: `run.html?id=${encodeURIComponent(run.instanceId)}`, text: run.instanceId })),
        el("td", { text: run.name }),
        el("td", {}, statusBadge(run.runtimeStatus)),
        el("td", {}, stepText(run.customStatus), waitingReview
          ? [" ", el("a", { class: "button", href: `review.html?id=${encodeURIComponent(run.instanceId)}`, text: "Review" })] : null),
        el("td", { text: time(run.createdTime) }),
        el("td", { text: time(run.lastUpdatedTime) }));
    });
    target.replaceChildren(el("table", {},
      el("thead", {}, el("tr", {}, ["Run", "Workflow", "Status", "Step", "Created", "Updated"].map((h) => el("th", { text: h })))),
      el("tbody", {}, body)));
  }

  async function load(append) {
    try {
      const page = await api(query(append ? token : null));
      rows = append ? rows.concat(page.instances) : page.instances;
      token = page.continuationToken;
      more.hidden = !token;
      render();
      document.getElementById("refreshed").textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      if (error.status !== 401) showError(target, error);
    }
  }

  async function loadSchedules() {
    const target = document.getElementById("schedules");
    try {
      const list = await api("/api/schedules");
      if (list.schedules.length === 0) { target.replaceChildren(el("p", { class: "muted", text: list.note || "No schedules." })); return; }
      target.replaceChildren(el("table", { id: "schedule-table" },
        el("thead", {}, el("tr", {}, ["Schedule", "Workflow", "When", "Next"].map((h) => el("th", { text: h })))),
        el("tbody", {}, list.schedules.map((s) => el("tr", { "data-schedule": s.name },
          el("td", { text: s.name }), el("td", { text: s.workflow }),
          el("td", {}, el("code", { text: s.cron }), ` (${s.timeZone})`),
          el("td", { text: s.enabled ? time(s.nextDueUtc) : "off" }))))));
    } catch (error) {
      if (error.status !== 401) showError(target, error);
    }
  }

  form.addEventListener("submit", (event) => { event.preventDefault(); load(false); });
  more.addEventListener("click", () => load(true));

  document.addEventListener("DOMContentLoaded", async () => {
    await requireKey();
    await Promise.all([load(false), loadSchedules()]);
    // Refresh the first page while nobody has paged further.
    setInterval(() => { if (!token || rows.length <= 50) load(false); }, 5000);
  });
})();
