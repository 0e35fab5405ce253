// Shared by every page: sign-in with a function key (kept in sessionStorage for this tab only),
// calls to /api with the x-functions-key header, and small formatting helpers. No build step.
"use strict";

const Serverless = (() => {
  const keyName = "serverless.functionKey";

  function key() { return sessionStorage.getItem(keyName); }

  function signOut() { sessionStorage.removeItem(keyName); location.reload(); }

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  // fetch with the key; JSON in and out; throws ApiError with the server's { error } message.
  async function api(path, options = {}) {
    const headers = { "x-functions-key": key() || "", ...(options.headers || {}) };
    let body = options.body;
    if (body !== undefined && typeof body !== "string") {
      body = JSON.stringify(body);
      headers["content-type"] = "application/json";
    }
    const response = await fetch(path, { ...options, headers, body });
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = { error: text }; }
    if (response.status === 401) {
      sessionStorage.removeItem(keyName);
      showSignIn("The key was refused. Sign in again.");
      throw new ApiError(401, (data && data.error) || "unauthorized");
    }
    if (!response.ok) throw new ApiError(response.status, (data && data.error) || `${response.status} ${response.statusText}`);
    return data;
  }

  // Renders the sign-in form over the page; resolves once a key has been accepted.
  let signedIn = null;
  function showSignIn(message) {
    let panel = document.getElementById("sign-in");
    if (!panel) {
      panel = document.createElement("section");
      panel.id = "sign-in";
      panel.className = "sign-in";
      panel.innerHTML = `
        <form>
          <h2>Sign in</h2>
          <p>Enter a function key of this host (<code>x-functions-key</code>). It is kept in this browser tab only.</p>
          <label>Function key <input type="password" name="key" autocomplete="current-password" required autofocus></label>
          <p class="error" role="alert"></p>
          <button type="submit" class="primary">Sign in</button>
        </form>`;
      document.body.prepend(panel);
      panel.querySelector("form").addEventListener("submit", async (event) => {
        event.preventDefault();
        const value = panel.querySelector("input[name=key]").value.trim();
        const response = await fetch("/api/workflows?top=1", { headers: { "x-functions-key": value } });
        if (response.status === 401) {
          panel.querySelector(".error").textContent = "That key is not valid.";
          return;
        }
        sessionStorage.setItem(keyName, value);
        panel.hidden = true;
        document.body.classList.remove("signed-out");
        if (signedIn) { const resolve = signedIn; signedIn = null; resolve(); }
      });
    }
    panel.hidden = false;
    document.body.classList.add("signed-out");
    panel.querySelector(".error").textContent = message || "";
    return new Promise((resolve) => { signedIn = resolve; });
  }

  async function requireKey() {
    if (key()) return;
    await showSignIn();
  }

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function time(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
    if (seconds < 60) return `${seconds.toFixed(1)} s`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
    if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
    return `${(seconds / 86400).toFixed(1)} days`;
  }

  function statusBadge(status) {
    return el("span", { class: `badge status-${String(status).toLowerCase()}`, text: status });
  }

  // The custom status every workflow reports: { step, detail, done, total, waitingFor }.
  function stepText(custom) {
    if (!custom || typeof custom !== "object") return custom ? String(custom) : "";
    let text = custom.step || "";
    if (custom.total) text += ` ${custom.done}/${custom.total}`;
    if (custom.waitingFor) text += ` (waiting for ${custom.waitingFor})`;
    if (custom.detail) text += ` · ${custom.detail}`;
    return text;
  }

  function param(name) { return new URLSearchParams(location.search).get(name); }

  function showError(target, error) {
    target.replaceChildren(el("p", { class: "error", role: "alert", text: error.message || String(error) }));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const out = document.getElementById("sign-out");
    if (out) out.addEventListener("click", signOut);
  });

  return { api, requireKey, el, time, duration, statusBadge, stepText, param, showError, ApiError };
})();
