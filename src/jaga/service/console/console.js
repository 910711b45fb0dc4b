// The Jaga console: a thin page over the public API. It holds the API key in this tab only
// (sessionStorage) and never renders server text as HTML.
"use strict";
const $ = (id) => document.getElementById(id);
let apiKey = sessionStorage.getItem("jaga-key") || "";

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  row.appendChild(td);
  return td;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { "Authorization": `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Error(data && data.error ? `${data.error.code}: ${data.error.message}` : response.statusText);
  return data;
}

function say(message, isError = false) {
  $("status").textContent = message;
  $("status").className = isError ? "error" : "";
}

async function loadReviews() {
  const rows = $("review-rows");
  rows.replaceChildren();
  try {
    const tasks = await api("GET", `/v1/reviews?status=${$("review-status").value}`);
    for (const task of tasks) {
      const row = document.createElement("tr");
      row.dataset.task = task.id;
      cell(row, task.id);
      cell(row, task.jurisdiction);
      cell(row, task.deadline ? new Date(task.deadline).toLocaleString() : "—");
      cell(row, task.decision_id);
      cell(row, task.status + (task.outcome ? ` (${task.outcome})` : ""));
      const actions = cell(row, "");
      if (task.status === "open") {
        const claim = document.createElement("button");
        claim.textContent = "Claim";
        claim.className = "act claim";
        claim.onclick = async () => { await act(() => api("POST", `/v1/reviews/${task.id}/claim`), "Claimed"); };
        actions.appendChild(claim);
      } else if (task.status === "claimed") {
        for (const action of ["allow", "label", "remove"]) {
          const button = document.createElement("button");
          button.textContent = action;
          button.className = `act decide-${action}`;
          button.onclick = async () => {
            const note = prompt("Note for the user (why)") || "";
            await act(() => api("POST", `/v1/reviews/${task.id}/decide`, { action, note }), `Decided: ${action}`);
          };
          actions.appendChild(button);
        }
      }
      rows.appendChild(row);
    }
    say(`${tasks.length} task(s)`);
  } catch (error) { say(error.message, true); }
}

async function act(call, done) {
  try {
    await call();
    await loadReviews();
    say(done);
  } catch (error) { say(error.message, true); }
}

async function loadDashboard() {
  try {
    const totals = await api("GET", "/v1/transparency");
    const stats = $("stats");
    stats.replaceChildren();
    const shown = [["Decisions", totals.decisions], ["Automated", `${Math.round(totals.automated_share * 100)}%`],
      ["Government orders", totals.authority_requests], ["Reviews decided", totals.reviews.decided],
      ["Appeals upheld", totals.appeals.upheld], ["Reports", totals.reports.total]];
    for (const [label, value] of shown) {
      const box = document.createElement("div");
      box.className = "stat";
      const number = document.createElement("b");
      number.textContent = String(value);
      box.append(number, label);
      stats.appendChild(box);
    }
    $("breakdown").textContent = "By action: " + Object.entries(totals.by_action).map(([k, v]) => `${k} ${v}`).join(", ");
  } catch (error) { say(error.message, true); }
}

async function openAppeal(event) {
  event.preventDefault();
  const view = $("appeal-view");
  view.replaceChildren();
  try {
    const appeal = await api("GET", `/v1/appeals/${encodeURIComponent($("appeal-id").value.trim())}`);
    const card = document.createElement("div");
    card.className = "card";
    card.textContent = `${appeal.id} on ${appeal.decision_id}: "${appeal.reason}" — ${appeal.status}` +
      (appeal.outcome ? ` (${appeal.outcome})` : "");
    if (appeal.status === "open") {
      for (const outcome of ["upheld", "rejected"]) {
        const button = document.createElement("button");
        button.textContent = outcome === "upheld" ? "Uphold (reverse)" : "Reject";
        button.className = `act appeal-${outcome}`;
        button.onclick = async () => {
          try { await api("POST", `/v1/appeals/${appeal.id}/decide`, { outcome, note: "" }); say(`Appeal ${outcome}`); }
          catch (error) { say(error.message, true); }
        };
        card.appendChild(button);
      }
    }
    view.appendChild(card);
  } catch (error) { say(error.message, true); }
}

async function searchClaims(event) {
  event.preventDefault();
  const rows = $("claim-rows");
  rows.replaceChildren();
  try {
    for (const match of await api("POST", "/v1/claims/search", { text: $("claim-text").value, top_k: 5 })) {
      const row = document.createElement("tr");
      cell(row, match.score.toFixed(3));
      cell(row, match.match ? "yes" : "");
      cell(row, match.verdict);
      const claim = cell(row, match.claim);
      if (match.summary) claim.title = match.summary;  // the fact-checker's finding, on hover
      cell(row, match.publisher);
      rows.appendChild(row);
    }
  } catch (error) { say(error.message, true); }
}

function show(tab) {
  for (const button of document.querySelectorAll("nav button")) button.setAttribute("aria-selected", button.dataset.tab === tab);
  for (const section of document.querySelectorAll("main section")) section.hidden = section.id !== tab;
  if (tab === "reviews") loadReviews();
  if (tab === "dashboard") loadDashboard();
}

for (const button of document.querySelectorAll("nav button")) button.onclick = () => show(button.dataset.tab);
$("login").onsubmit = (event) => {
  event.preventDefault();
  apiKey = $("key").value.trim();
  sessionStorage.setItem("jaga-key", apiKey);
  show("reviews");
};
$("review-status").onchange = loadReviews;
$("appeal-form").onsubmit = openAppeal;
$("claim-form").onsubmit = searchClaims;
if (apiKey) show("reviews"); else say("Enter an API key to start.");
