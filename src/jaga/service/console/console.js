// The Jaga console: a thin page over the public API. It holds the API key in this tab only
// (sessionStorage) and never renders server text as HTML (text nodes and textContent only).
"use strict";
const $ = (id) => document.getElementById(id);
let apiKey = sessionStorage.getItem("jaga-key") || "";

const LADDER = { allow: "Allow", label: "Label", reduce: "Reduce reach", geo_restrict: "Geo-restrict (this country only)",
  remove: "Remove" };
const CATEGORIES = ["hate_speech", "harassment", "violent_extremism", "scam_fraud", "illegal_gambling",
  "sexual_exploitation", "disinformation", "self_harm"];
const SOURCES = { automated: "automated", user_report: "user report", trusted_flagger: "trusted flagger",
  authority_order: "authority order" };

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text != null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function cell(row, text) {
  const td = el("td", text == null ? "" : text);
  row.appendChild(td);
  return td;
}

function button(label, className, onclick) {
  const node = el("button", label, className);
  node.type = "button";
  node.onclick = onclick;
  return node;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: { "Authorization": `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? null : await response.json();
  if (!response.ok) {
    const detail = data && data.error ? `${data.error.code}: ${data.error.message}` :
      data && data.detail ? JSON.stringify(data.detail) : response.statusText;
    throw new Error(detail);
  }
  return { data, next: response.headers.get("X-Next-Cursor") };
}

function say(message, isError = false) {
  $("status").textContent = message;
  $("status").className = isError ? "error" : "";
}

// --- times: the API writes every time with its offset; shown in the reader's own zone ------------

function localTime(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

function countdown(iso) {
  if (!iso) return { text: "no deadline", className: "" };
  const minutes = Math.round((new Date(iso).getTime() - Date.now()) / 60000);
  const span = Math.abs(minutes);
  const words = span >= 1440 ? `${Math.floor(span / 1440)}d ${Math.floor((span % 1440) / 60)}h` :
    `${Math.floor(span / 60)}h ${span % 60}m`;
  if (minutes < 0) return { text: `overdue by ${words}`, className: "overdue" };
  return { text: `${words} left`, className: minutes < 120 ? "soon" : "" };
}

function deadlineCell(row, iso) {
  const td = cell(row, "");
  td.appendChild(el("div", localTime(iso)));
  const left = el("div", "", "sla");
  left.dataset.deadline = iso || "";
  td.appendChild(left);
  refreshCountdown(left);
  return td;
}

function refreshCountdown(node) {
  const { text, className } = countdown(node.dataset.deadline);
  node.textContent = text;
  node.className = `sla ${className}`;
}

setInterval(() => document.querySelectorAll(".sla").forEach(refreshCountdown), 30000);

// --- the post, with the evidence highlighted in its original text ---------------------------------

function highlighted(text, evidence) {
  // Spans count code points (Python's indices); JavaScript strings count UTF-16 units.
  const points = Array.from(text || "");
  const marked = new Array(points.length).fill(null);
  for (const span of evidence || []) {
    for (let index = span.start; index < Math.min(span.end, points.length); index++) {
      marked[index] = marked[index] || `${span.category} (${span.source})`;
    }
  }
  const box = el("div", null, "post");
  let start = 0;
  while (start < points.length) {
    let end = start;
    while (end < points.length && (marked[end] === null) === (marked[start] === null)) end++;
    const piece = points.slice(start, end).join("");
    if (marked[start] === null) box.appendChild(document.createTextNode(piece));
    else {
      const mark = el("mark", piece, "evidence");
      mark.title = marked[start];
      box.appendChild(mark);
    }
    start = end;
  }
  return box;
}

function postView(task) {
  // Reviewer wellness: the text of a sexual-exploitation case stays hidden until asked for.
  const holder = el("div", null, "post-holder");
  const show = () => holder.replaceChildren(highlighted(task.text, task.evidence));
  if (task.sensitive) {
    holder.appendChild(el("span", "Text hidden (sexual exploitation). ", "hidden-text"));
    holder.appendChild(button("Reveal", "reveal", show));
  } else show();
  return holder;
}

function tags(values) {
  const box = el("span");
  for (const value of values) box.appendChild(el("span", value, "tag"));
  return box;
}

function sourceText(task) {
  return task.source === "authority_order" ? `authority order: ${task.agency}` : SOURCES[task.source] +
    (task.reports ? ` (${task.reports} report${task.reports > 1 ? "s" : ""})` : "");
}

// --- the review queue -----------------------------------------------------------------------------

let reviewCursor = null;

function reviewQuery() {
  const query = new URLSearchParams({ status: $("review-status").value, sort: $("review-sort").value, limit: "50" });
  for (const [name, id] of [["category", "review-category"], ["source", "review-source"]]) {
    if ($(id).value) query.set(name, $(id).value);
  }
  if ($("review-jurisdiction").value.trim()) query.set("jurisdiction", $("review-jurisdiction").value.trim().toUpperCase());
  if ($("review-language").value.trim()) query.set("language", $("review-language").value.trim().toLowerCase());
  return query;
}

async function loadReviews(more = false) {
  const rows = $("review-rows");
  if (!more) { rows.replaceChildren(); reviewCursor = null; }
  try {
    const query = reviewQuery();
    if (more && reviewCursor) query.set("cursor", reviewCursor);
    const { data: tasks, next } = await api("GET", `/v1/reviews?${query}`);
    reviewCursor = next;
    $("review-more").hidden = !next;
    for (const task of tasks) {
      const row = document.createElement("tr");
      row.dataset.task = task.id;
      cell(row, "").appendChild(postView(task));
      cell(row, task.language);
      cell(row, "").appendChild(tags(task.categories.map((name) =>
        `${name} ${task.scores[name] != null ? task.scores[name].toFixed(2) : ""}`)));
      const where = cell(row, task.jurisdiction);
      if (task.legal_basis.length) where.appendChild(el("div", task.legal_basis.join("; "), "legal"));
      cell(row, sourceText(task));
      deadlineCell(row, task.deadline);
      cell(row, task.status + (task.outcome ? ` (${task.outcome})` : ""));
      cell(row, "").appendChild(button("Open", "act open", () => openCase(task.id)));
      rows.appendChild(row);
    }
    say(`${rows.children.length} task(s)`);
  } catch (error) { say(error.message, true); }
}

// --- the case page --------------------------------------------------------------------------------

let currentCase = null;

function facts(list, pairs) {
  list.replaceChildren();
  for (const [term, value] of pairs) {
    if (value == null || value === "" || (Array.isArray(value) && !value.length)) continue;
    list.appendChild(el("dt", term));
    const dd = el("dd");
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
    list.appendChild(dd);
  }
}

function simpleTable(headers, rows) {
  const table = el("table");
  const head = el("tr");
  for (const name of headers) head.appendChild(el("th", name));
  table.appendChild(head);
  for (const values of rows) {
    const row = el("tr");
    for (const value of values) cell(row, value);
    table.appendChild(row);
  }
  return table;
}

async function openCase(taskId) {
  try {
    const { data } = await api("GET", `/v1/reviews/${encodeURIComponent(taskId)}`);
    currentCase = data;
    renderCase();
    for (const section of document.querySelectorAll("main section")) section.hidden = section.id !== "case";
    say(`Case ${data.task.id}`);
  } catch (error) { say(error.message, true); }
}

function renderCase() {
  const { task, decision, author, reports, fact_checks: factChecks, bank_matches: banks } = currentCase;
  $("case-post").replaceChildren(postView(task));
  $("case-media-box").hidden = !task.media.length;
  $("case-media").replaceChildren(...task.media.map((medium) => el("div", medium)));
  $("case-media").classList.remove("shown");
  $("case-media-toggle").textContent = "Show media";
  facts($("case-facts"), [["Language", task.language], ["Categories", tags(task.categories.map((name) =>
    `${name} ${task.scores[name] != null ? task.scores[name].toFixed(2) : ""}`))],
    ["Source", sourceText(task)], ["Deadline", `${localTime(task.deadline)} (${countdown(task.deadline).text})`],
    ["Status", task.status + (task.claimed_by ? ` by ${task.claimed_by}` : "")]]);
  const statement = decision.statement || {};
  facts($("case-statement"), [["Action now", decision.action], ["Reasons", decision.reasons],
    ["Ground", statement.decision_ground], ["Jurisdiction", statement.jurisdiction_name || decision.jurisdiction],
    ["Legal basis", task.legal_basis.join("; ")], ["Automated", statement.automated_decision],
    ["Notice to the user", statement.user_notice ? statement.user_notice.text : null],
    ["Version", statement.version || 1]]);
  const authorBox = $("case-author");
  authorBox.replaceChildren();
  if (!author) authorBox.appendChild(el("p", "No author on record."));
  else {
    authorBox.appendChild(el("p", `Author ${author.pseudonym} (pseudonymised): ${author.live_strikes} live strike(s)`));
    authorBox.appendChild(simpleTable(["Decided", "Post", "Action", "Categories", "Status"], author.decisions.map((d) =>
      [localTime(d.decided_at), d.post_id, d.action, d.categories.join(", "), d.review_status])));
    if (author.strikes.length) {
      authorBox.appendChild(simpleTable(["Strike", "Category", "Expires", "Live"], author.strikes.map((s) =>
        [localTime(s.created_at), s.category, localTime(s.expires_at), s.live ? "yes" : "no"])));
    }
  }
  $("case-reports").replaceChildren(el("h3", `Reports (${reports.length})`), simpleTable(["Filed", "By", "Category", "Reason"],
    reports.map((r) => [localTime(r.created_at), r.trusted_flagger ? `trusted flagger ${r.reporter}` : "user",
      r.category || "", r.reason])));
  $("case-fact-checks").replaceChildren(el("h3", `Fact-checks (${factChecks.length})`), simpleTable(
    ["Score", "Verdict", "Claim", "Publisher"], factChecks.map((f) => [f.score != null ? f.score.toFixed(2) : "",
      [f.verdict, f.rating].filter(Boolean).join(": "), f.claim || f.fact_check_id || "", f.publisher || ""])));
  $("case-banks").replaceChildren(el("h3", `Hash-bank matches (${banks.length})`), simpleTable(
    ["Bank", "Label", "Category", "Signal", "Distance"], banks.map((b) => [b.bank || "", b.label || "", b.category || "",
      b.signal_type || "", b.distance != null ? `${b.distance} (≤ ${b.threshold})` : ""])));
  renderDecideForm();
}

function renderDecideForm() {
  const { task } = currentCase;
  const decidable = task.status === "claimed";
  $("case-claim").hidden = task.status !== "open";
  $("case-claimed").textContent = task.status === "claimed" ? `Claimed by ${task.claimed_by}` :
    task.status === "decided" ? `Decided: ${task.outcome} by ${task.decided_by}` : "";
  $("decide-form").hidden = !decidable;
  $("assign-form").hidden = task.status === "decided";
  $("decide-confirm").hidden = true;
  const ladder = $("decide-ladder");
  ladder.replaceChildren(el("legend", "Action"));
  task.available_actions.forEach((action, index) => {
    const label = el("label");
    const input = el("input");
    input.type = "radio";
    input.name = "action";
    input.value = action;
    input.id = `action-${action}`;
    label.append(input, ` ${LADDER[action]} `, el("kbd", String(["allow", "label", "reduce", "geo_restrict", "remove"]
      .indexOf(action) + 1)));
    ladder.append(label, " ");
    if (index === 0) input.required = true;
  });
  const categories = $("decide-categories");
  categories.replaceChildren(el("legend", "Categories (correct them if the machine was wrong)"));
  for (const name of CATEGORIES) {
    const label = el("label");
    const input = el("input");
    input.type = "checkbox";
    input.name = "category";
    input.value = name;
    input.id = `category-${name}`;
    input.checked = task.categories.includes(name);
    label.append(input, ` ${name}`);
    categories.append(label, " ");
  }
  $("decide-note").value = "";
}

function chosen() {
  const action = document.querySelector("#decide-ladder input:checked");
  const categories = [...document.querySelectorAll("#decide-categories input:checked")].map((input) => input.value);
  return { action: action ? action.value : null, categories, note: $("decide-note").value.trim() };
}

function reviewDecision(event) {
  if (event) event.preventDefault();
  const { action, categories, note } = chosen();
  if (!action) { say("Choose an action.", true); return; }
  if (!note) { say("A note is required: say why, in words the user will read.", true); $("decide-note").focus(); return; }
  const corrected = categories.join(",") !== currentCase.task.categories.join(",");
  $("decide-summary").textContent = `${LADDER[action]} post ${currentCase.task.post_id}` +
    (corrected ? `, categories corrected to ${categories.join(", ") || "none"}` : "") + `. Note: "${note}". Confirm?`;
  $("decide-confirm").hidden = false;
  $("decide-yes").focus();
}

async function confirmDecision() {
  if ($("decide-confirm").hidden) return;
  const { action, categories, note } = chosen();
  const body = { action, note };
  if (categories.join(",") !== currentCase.task.categories.join(",")) body.categories = categories;
  try {
    await api("POST", `/v1/reviews/${currentCase.task.id}/decide`, body);
    await openCase(currentCase.task.id);
    say(`Decided: ${action}`);
  } catch (error) { say(error.message, true); }
}

async function claimCase() {
  if (!currentCase || currentCase.task.status !== "open") return;
  try {
    await api("POST", `/v1/reviews/${currentCase.task.id}/claim`);
    await openCase(currentCase.task.id);
    say("Claimed");
  } catch (error) { say(error.message, true); }
}

async function assignCase(event) {
  event.preventDefault();
  const reviewer = $("assign-to").value.trim();
  if (!currentCase || !reviewer) return;
  try {
    await api("POST", `/v1/reviews/${currentCase.task.id}/assign`, { reviewer });
    await openCase(currentCase.task.id);
    say(`Assigned to ${reviewer}`);
  } catch (error) { say(error.message, true); }
}

function toggleMedia() {
  const shown = $("case-media").classList.toggle("shown");
  $("case-media-toggle").textContent = shown ? "Hide media" : "Show media";
}

function onKey(event) {
  if ($("case").hidden || event.ctrlKey || event.metaKey || event.altKey) return;
  const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName) &&
    document.activeElement.type !== "radio" && document.activeElement.type !== "checkbox";
  if (event.key === "Escape") { $("decide-confirm").hidden = true; return; }
  if (typing) return;
  const ladder = ["allow", "label", "reduce", "geo_restrict", "remove"];
  if (/^[1-5]$/.test(event.key)) {
    const input = $(`action-${ladder[Number(event.key) - 1]}`);
    if (input) input.checked = true;
  } else if (event.key === "c") claimCase();
  else if (event.key === "n") { event.preventDefault(); $("decide-note").focus(); }
  else if (event.key === "d") { if (!$("decide-form").hidden) reviewDecision(); }
  else if (event.key === "y") confirmDecision();
  else if (event.key === "v") { const reveal = document.querySelector("#case-post .reveal"); if (reveal) reveal.click(); }
  else if (event.key === "m") toggleMedia();
  else if (event.key === "b") show("reviews");
}

// --- the appeals inbox ----------------------------------------------------------------------------

let appealCursor = null;

async function loadAppeals(more = false) {
  const rows = $("appeal-rows");
  if (!more) { rows.replaceChildren(); appealCursor = null; }
  try {
    const query = new URLSearchParams({ status: $("appeal-status").value, limit: "50" });
    if (more && appealCursor) query.set("cursor", appealCursor);
    const { data: appeals, next } = await api("GET", `/v1/appeals?${query}`);
    appealCursor = next;
    $("appeal-more").hidden = !next;
    for (const appeal of appeals) rows.appendChild(appealCard(appeal));
    say(`${rows.children.length} appeal(s)`);
  } catch (error) { say(error.message, true); }
}

function appealCard(appeal) {
  const card = el("div", null, "card appeal");
  card.dataset.appeal = appeal.id;
  card.appendChild(el("h3", `Appeal on post ${appeal.post_id} (${appeal.jurisdiction})`));
  card.appendChild(postView({ text: appeal.text, evidence: [], sensitive: appeal.categories.includes("sexual_exploitation") }));
  const list = el("dl", null, "kv");
  facts(list, [["Decision", `${appeal.action} — ${appeal.categories.join(", ")}`], ["Reasons", appeal.reasons],
    ["The user says", appeal.reason], ["Filed", localTime(appeal.filed_at)],
    ["Reviewed by", appeal.original_reviewer], ["Status", appeal.status + (appeal.outcome ? ` (${appeal.outcome})` : "")],
    ["Note", appeal.note]]);
  card.appendChild(list);
  if (appeal.status !== "open") return card;
  const note = el("textarea");
  note.rows = 2;
  note.cols = 50;
  note.className = "appeal-note";
  note.id = `note-${appeal.id}`;
  const label = el("label", "Note for the user (required)");
  label.htmlFor = note.id;
  const confirm = el("div", null, "confirm-box");
  card.append(label, el("br"), note, el("br"));
  for (const outcome of ["upheld", "rejected"]) {
    card.appendChild(button(outcome === "upheld" ? "Uphold (reverse the decision)" : "Reject (the decision stands)",
      `act appeal-${outcome}`, () => {
        if (!note.value.trim()) { say("A note is required: say why, in words the user will read.", true); note.focus(); return; }
        confirm.replaceChildren(el("p", outcome === "upheld" ?
          `Reverse the decision: post ${appeal.post_id} will be allowed again. Note: "${note.value.trim()}". Confirm?` :
          `Reject the appeal: the ${appeal.action} stands. Note: "${note.value.trim()}". Confirm?`),
        button("Confirm", "act appeal-confirm", async () => {
          try {
            await api("POST", `/v1/appeals/${appeal.id}/decide`, { outcome, note: note.value.trim() });
            say(`Appeal ${outcome}`);
            card.replaceWith(appealCard({ ...appeal, status: "decided", outcome, note: note.value.trim() }));
          } catch (error) { say(error.message, true); }
        }), " ", button("Cancel", "act appeal-cancel", () => confirm.replaceChildren()));
      }));
  }
  card.appendChild(confirm);
  return card;
}

// --- the authority-request inbox ------------------------------------------------------------------

let authorityCursor = null;

async function loadAuthority(more = false) {
  const rows = $("authority-rows");
  if (!more) { rows.replaceChildren(); authorityCursor = null; }
  try {
    const query = new URLSearchParams({ status: $("authority-status").value, limit: "50" });
    if (more && authorityCursor) query.set("cursor", authorityCursor);
    const { data: orders, next } = await api("GET", `/v1/authority-requests?${query}`);
    authorityCursor = next;
    $("authority-more").hidden = !next;
    for (const order of orders) {
      const row = document.createElement("tr");
      row.dataset.decision = order.decision_id;
      cell(row, `${order.agency} (${order.channel || "?"})`);
      cell(row, [order.reference, order.legal_basis].filter(Boolean).join(" — "));
      cell(row, "").appendChild(postView({ text: order.text, evidence: [],
        sensitive: order.categories.includes("sexual_exploitation") }));
      cell(row, localTime(order.received_at));
      deadlineCell(row, order.deadline);
      cell(row, `${order.action} (${order.review_status})`);
      const open = cell(row, "");
      if (order.task_id) open.appendChild(button("Open case", "act open", () => openCase(order.task_id)));
      else open.textContent = "no review task";
      rows.appendChild(row);
    }
    say(`${rows.children.length} authority request(s)`);
  } catch (error) { say(error.message, true); }
}

// --- the dashboard and fact-checks ----------------------------------------------------------------

async function loadDashboard() {
  try {
    const { data: totals } = await api("GET", "/v1/transparency");
    const stats = $("stats");
    stats.replaceChildren();
    const shown = [["Decisions", totals.decisions], ["Automated", `${Math.round(totals.automated_share * 100)}%`],
      ["Government orders", totals.authority_requests], ["Reviews decided", totals.reviews.decided],
      ["Appeals upheld", totals.appeals.upheld], ["Reports", totals.reports.total]];
    for (const [label, value] of shown) {
      const box = el("div", null, "stat");
      box.append(el("b", value), label);
      stats.appendChild(box);
    }
    $("breakdown").textContent = "By action: " + Object.entries(totals.by_action).map(([k, v]) => `${k} ${v}`).join(", ");
  } catch (error) { say(error.message, true); }
  if (!$("period").value) {
    const now = new Date();
    $("period").value = `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
  }
  await loadCharts();
}

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text != null) node.textContent = String(text);
  return node;
}

// A horizontal bar chart drawn as SVG from the report's counts (text set as text, never as markup).
function barChart(title, counts) {
  const figure = el("figure", null, "card chart");
  figure.append(el("figcaption", title));
  const items = Object.entries(counts || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (!items.length) { figure.append(el("p", "None in this period.")); return figure; }
  const top = Math.max(...items.map(([, value]) => value)) || 1;
  const row = 24, labelWidth = 170, barWidth = 300;
  const chart = svg("svg", { role: "img", "aria-label": title, viewBox: `0 0 ${labelWidth + barWidth + 70} ${items.length * row}`,
    width: "100%", "font-size": 13 });
  items.forEach(([name, value], index) => {
    const y = index * row, width = Math.max(1, Math.round(barWidth * value / top));
    chart.append(svg("text", { x: labelWidth - 8, y: y + 16, "text-anchor": "end" }, name));
    const bar = svg("rect", { x: labelWidth, y: y + 4, width, height: row - 8, fill: "#2b6cb0" });
    bar.append(svg("title", {}, `${name}: ${value}`));
    chart.append(bar, svg("text", { x: labelWidth + width + 6, y: y + 16 }, value));
  });
  figure.append(chart);
  return figure;
}

async function loadCharts(event) {
  if (event) event.preventDefault();
  const charts = $("charts");
  charts.replaceChildren();
  const period = $("period").value.trim();
  try {
    const { data: report } = await api("GET", `/v1/reports/transparency?period=${encodeURIComponent(period)}`);
    charts.append(el("p", `${report.decisions} decisions from ${report.since} to ${report.until} (exclusive); ` +
      `automated decisions ${Math.round(report.automated_decision_share * 100)}%, ` +
      `appeals reversed ${Math.round(report.appeals.reversal_rate * 100)}%.`));
    for (const [title, key] of [["Decisions by category", "by_category"], ["Decisions by action", "by_action"],
      ["Decisions by source", "by_source"], ["Decisions by language", "by_language"],
      ["Decisions by jurisdiction", "by_jurisdiction"]]) {
      charts.append(barChart(title, report[key]));
    }
  } catch (error) { say(error.message, true); }
}

async function searchClaims(event) {
  event.preventDefault();
  const rows = $("claim-rows");
  rows.replaceChildren();
  try {
    const { data } = await api("POST", "/v1/claims/search", { text: $("claim-text").value, top_k: 5 });
    for (const match of data) {
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
  if (tab === "appeals") loadAppeals();
  if (tab === "authority") loadAuthority();
  if (tab === "dashboard") loadDashboard();
}

for (const navButton of document.querySelectorAll("nav button")) navButton.onclick = () => show(navButton.dataset.tab);
$("login").onsubmit = (event) => {
  event.preventDefault();
  apiKey = $("key").value.trim();
  sessionStorage.setItem("jaga-key", apiKey);
  show("reviews");
};
$("review-filters").onsubmit = (event) => { event.preventDefault(); loadReviews(); };
$("review-status").onchange = () => loadReviews();
$("review-more").onclick = () => loadReviews(true);
$("appeal-status").onchange = () => loadAppeals();
$("appeal-more").onclick = () => loadAppeals(true);
$("authority-status").onchange = () => loadAuthority();
$("authority-more").onclick = () => loadAuthority(true);
$("case-back").onclick = () => show("reviews");
$("case-claim").onclick = claimCase;
$("assign-form").onsubmit = assignCase;
$("case-media-toggle").onclick = toggleMedia;
$("decide-form").onsubmit = reviewDecision;
$("decide-yes").onclick = confirmDecision;
$("decide-no").onclick = () => { $("decide-confirm").hidden = true; };
document.addEventListener("keydown", onKey);
$("claim-form").onsubmit = searchClaims;
$("period-form").onsubmit = loadCharts;
if (apiKey) show("reviews"); else say("Enter an API key to start.");
