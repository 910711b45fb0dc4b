// The Jaga console: a thin page over the public API. It holds the API key in this tab only
// (sessionStorage) and never renders server text as HTML (text nodes and textContent only).
// Every string a person reads goes through t(): its English text is the gettext msgid, the
// translations come from locales/<lang>.json (compiled from the .po catalogs beside them).
"use strict";
const $ = (id) => document.getElementById(id);
let apiKey = sessionStorage.getItem("jaga-key") || "";

const LANGUAGES = ["en", "id", "ms", "tl", "th", "vi", "km", "lo", "my", "zh", "ta"];
// The tag Intl formats dates with: Filipino's CLDR data is under "fil", Chinese is written simplified.
const INTL = { tl: "fil", zh: "zh-Hans" };
// The page's `lang` (WCAG 3.1.1): a screen reader picks its voice from it, and Chromium its glyph forms
// for Han characters (the console's Chinese is simplified).
const HTML_LANG = { zh: "zh-Hans" };
let lang = "en";
let messages = {};

// Marks a string for extraction into the catalogs where it is defined; t() translates it where shown.
const N_ = (text) => text;

function t(id, values = {}) {
  const text = Object.prototype.hasOwnProperty.call(messages, id) && messages[id] ? messages[id] : id;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

function preferredLanguage() {
  const saved = localStorage.getItem("jaga-lang");
  if (LANGUAGES.includes(saved)) return saved;
  for (const tag of navigator.languages || []) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "fil") return "tl";
    if (LANGUAGES.includes(base)) return base;
  }
  return "en";
}

async function setLanguage(code) {
  lang = LANGUAGES.includes(code) ? code : "en";
  messages = {};
  if (lang !== "en") {
    try {
      const response = await fetch(`locales/${lang}.json`);
      if (response.ok) messages = await response.json();
    } catch (error) { messages = {}; }
  }
  localStorage.setItem("jaga-lang", lang);
  document.documentElement.lang = HTML_LANG[lang] || lang;
  $("lang").value = lang;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of document.querySelectorAll("[data-i18n-aria-label]")) node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
  document.title = t("Jaga console");
}

const LADDER = { allow: N_("Allow"), label: N_("Label"), reduce: N_("Reduce reach"),
  geo_restrict: N_("Geo-restrict (this country only)"), remove: N_("Remove") };
// Names of what the API sends as codes: shown translated, sent as the code.
const NAMES = {
  hate_speech: N_("Hate speech"), harassment: N_("Harassment"), violent_extremism: N_("Violent extremism"),
  scam_fraud: N_("Scam or fraud"), illegal_gambling: N_("Illegal gambling"), sexual_exploitation: N_("Sexual exploitation"),
  disinformation: N_("Disinformation"), self_harm: N_("Self-harm"),
  review: N_("Human review"), allow: N_("Allow"), label: N_("Label"), reduce: N_("Reduce reach"),
  geo_restrict: N_("Geo-restrict"), remove: N_("Remove"),
  open: N_("open"), claimed: N_("claimed"), decided: N_("decided"), upheld: N_("upheld"), rejected: N_("rejected"),
  none: N_("not reviewed"), pending: N_("awaiting review"), appealed: N_("under appeal"),
  reversed: N_("reversed on appeal"), appeal_rejected: N_("stands after appeal"),
  automated: N_("automated"), user_report: N_("user report"), trusted_flagger: N_("trusted flagger"),
  authority_order: N_("authority order"), automated_detection: N_("automated detection"),
  within: N_("within the deadline"), late: N_("after the deadline"), no_deadline: N_("no deadline"),
  by_a_person: N_("by a person"),
};
const CATEGORIES = ["hate_speech", "harassment", "violent_extremism", "scam_fraud", "illegal_gambling",
  "sexual_exploitation", "disinformation", "self_harm"];

function name(code) {
  return code in NAMES ? t(NAMES[code]) : String(code);
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text != null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function withId(node, id) {
  node.id = id;
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

// Month names for the console's languages that a browser may have no date data for (Chromium has
// none for km, lo and my: its Intl falls back to English there).
const MONTHS = {
  km: ["មករា", "កុម្ភៈ", "មីនា", "មេសា", "ឧសភា", "មិថុនា", "កក្កដា", "សីហា", "កញ្ញា", "តុលា", "វិច្ឆិកា", "ធ្នូ"],
  lo: ["ມັງກອນ", "ກຸມພາ", "ມີນາ", "ເມສາ", "ພຶດສະພາ", "ມິຖຸນາ", "ກໍລະກົດ", "ສິງຫາ", "ກັນຍາ", "ຕຸລາ", "ພະຈິກ", "ທັນວາ"],
  my: ["ဇန်နဝါရီ", "ဖေဖော်ဝါရီ", "မတ်", "ဧပြီ", "မေ", "ဇွန်", "ဇူလိုင်", "ဩဂုတ်", "စက်တင်ဘာ", "အောက်တိုဘာ",
       "နိုဝင်ဘာ", "ဒီဇင်ဘာ"],
};

function formatDate(date, withTime, timeZone) {
  // The browser's Intl in the console's language where it has the data; else day, month by name,
  // year and 24-hour time, still in the reader's zone (or `timeZone`).
  const locale = INTL[lang] || lang;
  if (Intl.DateTimeFormat.supportedLocalesOf([locale]).length || !MONTHS[lang]) {
    const options = withTime ? { dateStyle: "medium", timeStyle: "short" } : { month: "short", day: "numeric" };
    return new Intl.DateTimeFormat(locale, timeZone ? { ...options, timeZone } : options).format(date);
  }
  const parts = {};
  const numeric = { year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit",
                    hourCycle: "h23" };
  for (const part of new Intl.DateTimeFormat("en-GB", timeZone ? { ...numeric, timeZone } : numeric)
    .formatToParts(date)) parts[part.type] = part.value;
  const day = `${Number(parts.day)} ${MONTHS[lang][Number(parts.month) - 1]}`;
  return withTime ? `${day} ${parts.year} ${parts.hour}:${parts.minute}` : day;
}

function localTime(iso) {
  // In the reader's own time zone and the console's language (Thai dates in the Buddhist era).
  return iso ? formatDate(new Date(iso), true) : "—";
}

function countdown(iso) {
  if (!iso) return { text: t("no deadline"), className: "" };
  const minutes = Math.round((new Date(iso).getTime() - Date.now()) / 60000);
  const span = Math.abs(minutes);
  const words = span >= 1440 ? t("{days}d {hours}h", { days: Math.floor(span / 1440), hours: Math.floor((span % 1440) / 60) }) :
    t("{hours}h {minutes}m", { hours: Math.floor(span / 60), minutes: span % 60 });
  if (minutes < 0) return { text: t("overdue by {time}", { time: words }), className: "overdue" };
  return { text: t("{time} left", { time: words }), className: minutes < 120 ? "soon" : "" };
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
  // The post's own language (WCAG 3.1.2): read with the right voice, drawn with the right glyphs.
  if (/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(task.language || "")) holder.lang = task.language;
  const show = () => holder.replaceChildren(highlighted(task.text, task.evidence));
  if (task.sensitive) {
    holder.appendChild(el("span", `${t("Text hidden (sexual exploitation).")} `, "hidden-text"));
    holder.appendChild(button(t("Reveal"), "reveal", show));
  } else show();
  return holder;
}

function tags(values) {
  const box = el("span", null, "tags");
  for (const value of values) box.appendChild(el("span", value, "tag"));
  return box;
}

function scored(task) {
  return task.categories.map((code) => `${name(code)} ${task.scores[code] != null ? task.scores[code].toFixed(2) : ""}`);
}

function sourceText(task) {
  return task.source === "authority_order" ? t("authority order: {agency}", { agency: task.agency }) : name(task.source) +
    (task.reports ? ` (${t("reports: {count}", { count: task.reports })})` : "");
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
      cell(row, "").appendChild(tags(scored(task)));
      const where = cell(row, task.jurisdiction);
      if (task.legal_basis.length) where.appendChild(el("div", task.legal_basis.join("; "), "legal"));
      cell(row, sourceText(task));
      deadlineCell(row, task.deadline);
      cell(row, name(task.status) + (task.outcome ? ` (${name(task.outcome)})` : ""));
      cell(row, "").appendChild(button(t("Open"), "act open", () => openCase(task.id)));
      rows.appendChild(row);
    }
    say(t("Tasks: {count}", { count: rows.children.length }));
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

function simpleTable(headers, rows, labelledBy) {
  // In a box of its own that scrolls sideways on a phone, focusable so a keyboard can scroll it
  // (WCAG 2.1.1), named by the heading it sits under.
  const box = el("div", null, "scroll");
  box.tabIndex = 0;
  box.setAttribute("role", "group");
  if (labelledBy) box.setAttribute("aria-labelledby", labelledBy);
  const table = el("table");
  box.appendChild(table);
  const head = el("tr");
  for (const name of headers) head.appendChild(el("th", name));
  table.appendChild(head);
  for (const values of rows) {
    const row = el("tr");
    for (const value of values) cell(row, value);
    table.appendChild(row);
  }
  return box;
}

async function openCase(taskId) {
  try {
    const { data } = await api("GET", `/v1/reviews/${encodeURIComponent(taskId)}`);
    currentCase = data;
    renderCase();
    for (const section of document.querySelectorAll("main section")) section.hidden = section.id !== "case";
    say(t("Case {id}", { id: data.task.id }));
    await findIdentical(data.task);
  } catch (error) { say(error.message, true); }
}

function renderCase() {
  const { task, decision, author, reports, fact_checks: factChecks, bank_matches: banks } = currentCase;
  $("case-post").replaceChildren(postView(task));
  $("case-media-box").hidden = !task.media.length;
  $("case-media").replaceChildren(...task.media.map((medium) => el("div", medium)));
  $("case-media").classList.remove("shown");
  $("case-media-toggle").textContent = t("Show media");
  facts($("case-facts"), [[t("Language"), task.language], [t("Categories"), tags(scored(task))],
    [t("Source"), sourceText(task)], [t("Deadline"), `${localTime(task.deadline)} (${countdown(task.deadline).text})`],
    [t("Status"), task.claimed_by ? t("{status} by {reviewer}", { status: name(task.status), reviewer: task.claimed_by }) :
      name(task.status)]]);
  const statement = decision.statement || {};
  facts($("case-statement"), [[t("Action now"), name(decision.action)], [t("Reasons"), decision.reasons],
    [t("Ground"), statement.decision_ground], [t("Jurisdiction"), statement.jurisdiction_name || decision.jurisdiction],
    [t("Legal basis"), task.legal_basis.join("; ")], [t("Automated"), statement.automated_decision],
    [t("Notice to the user"), statement.user_notice ? statement.user_notice.text : null],
    [t("Version"), statement.version || 1]]);
  const authorBox = $("case-author");
  authorBox.replaceChildren();
  if (!author) authorBox.appendChild(el("p", t("No author on record.")));
  else {
    authorBox.appendChild(withId(el("p", t("Author {pseudonym} (pseudonymised): live strikes: {count}",
      { pseudonym: author.pseudonym, count: author.live_strikes })), "case-author-summary"));
    authorBox.appendChild(simpleTable([t("Decided"), t("Post"), t("Action"), t("Categories"), t("Status")],
      author.decisions.map((d) => [localTime(d.decided_at), d.post_id, name(d.action), d.categories.map(name).join(", "),
        name(d.review_status)]), "case-author-title"));
    if (author.strikes.length) {
      authorBox.appendChild(simpleTable([t("Strike"), t("Category"), t("Expires"), t("Live")], author.strikes.map((s) =>
        [localTime(s.created_at), name(s.category), localTime(s.expires_at), s.live ? t("yes") : t("no")]),
      "case-author-summary"));
    }
  }
  $("case-reports").replaceChildren(withId(el("h3", t("Reports ({count})", { count: reports.length })), "case-reports-title"),
    simpleTable([t("Filed"), t("By"), t("Category"), t("Reason")],
      reports.map((r) => [localTime(r.created_at), r.trusted_flagger ? `${name("trusted_flagger")}: ${r.reporter}` : t("user"),
        r.category ? name(r.category) : "", r.reason]), "case-reports-title"));
  $("case-fact-checks").replaceChildren(withId(el("h3", t("Fact-checks ({count})", { count: factChecks.length })),
    "case-fact-checks-title"), simpleTable(
    [t("Score"), t("Verdict"), t("Claim"), t("Publisher")], factChecks.map((f) => [f.score != null ? f.score.toFixed(2) : "",
      [f.verdict, f.rating].filter(Boolean).join(": "), f.claim || f.fact_check_id || "", f.publisher || ""]),
    "case-fact-checks-title"));
  $("case-banks").replaceChildren(withId(el("h3", t("Hash-bank matches ({count})", { count: banks.length })), "case-banks-title"),
    simpleTable([t("Bank"), t("Label"), t("Category"), t("Signal"), t("Distance")], banks.map((b) => [b.bank || "",
      b.label || "", b.category ? name(b.category) : "",
      b.signal_type || "", b.distance != null ? `${b.distance} (≤ ${b.threshold})` : ""]), "case-banks-title"));
  renderDecideForm();
}

function renderDecideForm() {
  const { task } = currentCase;
  const decidable = task.status === "claimed";
  $("case-claim").hidden = task.status !== "open";
  $("case-claimed").textContent = task.status === "claimed" ? t("Claimed by {reviewer}", { reviewer: task.claimed_by }) :
    task.status === "decided" ? t("Decided: {action} by {reviewer}", { action: name(task.outcome), reviewer: task.decided_by }) : "";
  $("decide-form").hidden = !decidable;
  $("assign-form").hidden = task.status === "decided";
  $("decide-confirm").hidden = true;
  const ladder = $("decide-ladder");
  ladder.replaceChildren(el("legend", t("Action")));
  task.available_actions.forEach((action, index) => {
    const label = el("label");
    const input = el("input");
    input.type = "radio";
    input.name = "action";
    input.value = action;
    input.id = `action-${action}`;
    label.append(input, ` ${t(LADDER[action])} `, el("kbd", String(["allow", "label", "reduce", "geo_restrict", "remove"]
      .indexOf(action) + 1)));
    ladder.append(label, " ");
    if (index === 0) input.required = true;
  });
  const categories = $("decide-categories");
  categories.replaceChildren(el("legend", t("Categories (correct them if the machine was wrong)")));
  for (const code of CATEGORIES) {
    const label = el("label");
    const input = el("input");
    input.type = "checkbox";
    input.name = "category";
    input.value = code;
    input.id = `category-${code}`;
    input.checked = task.categories.includes(code);
    label.append(input, ` ${name(code)}`);
    categories.append(label, " ");
  }
  $("decide-note").value = "";
}

// --- bulk: identical posts ---------------------------------------------------------------------------

let identical = [];

async function findIdentical(task) {
  // Other undecided tasks on the same text in this jurisdiction (copy-paste spam, coordinated
  // campaigns): offered as one decision for all, ticked by default, each one sent on its own.
  identical = [];
  $("identical-list").replaceChildren();
  $("identical").hidden = true;
  if (task.status === "decided" || !task.text) return;
  try {
    for (const status of ["open", "claimed"]) {
      const query = new URLSearchParams({ status, jurisdiction: task.jurisdiction, limit: "500" });
      if (task.language) query.set("language", task.language);
      const { data } = await api("GET", `/v1/reviews?${query}`);
      identical.push(...data.filter((other) => other.id !== task.id && other.text === task.text &&
        (other.status === "open" || other.claimed_by === task.claimed_by)));
    }
  } catch (error) { say(error.message, true); return; }
  for (const other of identical) {
    const label = el("label");
    const input = el("input");
    input.type = "checkbox";
    input.checked = true;
    input.value = other.id;
    input.className = "identical-task";
    label.append(input, ` ${t("post {post}", { post: other.post_id })} — ${sourceText(other)}, ${localTime(other.created_at)}`);
    $("identical-list").appendChild(label);
  }
  $("identical").hidden = !identical.length;
}

function selectedIdentical() {
  const ticked = new Set([...document.querySelectorAll("#identical-list input:checked")].map((input) => input.value));
  return identical.filter((task) => ticked.has(task.id));
}

function chosen() {
  const action = document.querySelector("#decide-ladder input:checked");
  const categories = [...document.querySelectorAll("#decide-categories input:checked")].map((input) => input.value);
  return { action: action ? action.value : null, categories, note: $("decide-note").value.trim() };
}

function reviewDecision(event) {
  if (event) event.preventDefault();
  const { action, categories, note } = chosen();
  if (!action) { say(t("Choose an action."), true); return; }
  if (!note) { say(t("A note is required: say why, in words the user will read."), true); $("decide-note").focus(); return; }
  const corrected = categories.join(",") !== currentCase.task.categories.join(",");
  const others = selectedIdentical();
  $("decide-summary").textContent = [t("{action}: post {post}", { action: t(LADDER[action]), post: currentCase.task.post_id }),
    corrected ? t("categories corrected to {categories}", { categories: categories.map(name).join(", ") || t("none") }) : null,
    others.length ? t("the same for identical posts: {count}", { count: others.length }) : null,
    t("Note: \u201c{note}\u201d. Confirm?", { note })].filter(Boolean).join("; ");
  $("decide-confirm").hidden = false;
  $("decide-yes").focus();
}

async function confirmDecision() {
  if ($("decide-confirm").hidden) return;
  const { action, categories, note } = chosen();
  const body = { action, note };
  if (categories.join(",") !== currentCase.task.categories.join(",")) body.categories = categories;
  const others = selectedIdentical();
  try {
    await api("POST", `/v1/reviews/${currentCase.task.id}/decide`, body);
  } catch (error) { say(error.message, true); return; }
  // Bulk: the same decision for each identical post, one request each, so every post gets its own
  // statement of reasons, audit entry and webhook, exactly as if decided one by one.
  const failed = [];
  for (const task of others) {
    try {
      if (task.status === "open") await api("POST", `/v1/reviews/${task.id}/claim`);
      await api("POST", `/v1/reviews/${task.id}/decide`, body);
    } catch (error) { failed.push(`${task.post_id}: ${error.message}`); }
  }
  await openCase(currentCase.task.id);
  if (failed.length) say(t("Decided: {action}; not decided: {failed}", { action: name(action), failed: failed.join("; ") }), true);
  else if (others.length) say(t("Decided: {action}, with identical posts: {count}", { action: name(action), count: others.length }));
  else say(t("Decided: {action}", { action: name(action) }));
}

async function claimCase() {
  if (!currentCase || currentCase.task.status !== "open") return;
  try {
    await api("POST", `/v1/reviews/${currentCase.task.id}/claim`);
    await openCase(currentCase.task.id);
    say(t("Claimed"));
  } catch (error) { say(error.message, true); }
}

async function assignCase(event) {
  event.preventDefault();
  const reviewer = $("assign-to").value.trim();
  if (!currentCase || !reviewer) return;
  try {
    await api("POST", `/v1/reviews/${currentCase.task.id}/assign`, { reviewer });
    await openCase(currentCase.task.id);
    say(t("Assigned to {reviewer}", { reviewer }));
  } catch (error) { say(error.message, true); }
}

function toggleMedia() {
  const shown = $("case-media").classList.toggle("shown");
  $("case-media-toggle").textContent = shown ? t("Hide media") : t("Show media");
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
    say(t("Appeals: {count}", { count: rows.children.length }));
  } catch (error) { say(error.message, true); }
}

function appealCard(appeal) {
  const card = el("div", null, "card appeal");
  card.dataset.appeal = appeal.id;
  // h2: each appeal is a section of the inbox, under the page's h1 (headings go down one level at a time)
  card.appendChild(el("h2", t("Appeal on post {post} ({jurisdiction})", { post: appeal.post_id, jurisdiction: appeal.jurisdiction }),
    "appeal-title"));
  card.appendChild(postView({ text: appeal.text, evidence: [], sensitive: appeal.categories.includes("sexual_exploitation") }));
  const list = el("dl", null, "kv");
  facts(list, [[t("Decision"), `${name(appeal.action)} — ${appeal.categories.map(name).join(", ")}`], [t("Reasons"), appeal.reasons],
    [t("The user says"), appeal.reason], [t("Filed"), localTime(appeal.filed_at)],
    [t("Reviewed by"), appeal.original_reviewer],
    [t("Status"), name(appeal.status) + (appeal.outcome ? ` (${name(appeal.outcome)})` : "")], [t("Note"), appeal.note]]);
  card.appendChild(list);
  if (appeal.status !== "open") return card;
  const note = el("textarea");
  note.rows = 2;
  note.cols = 50;
  note.className = "appeal-note";
  note.id = `note-${appeal.id}`;
  const label = el("label", t("Note for the user (required)"));
  label.htmlFor = note.id;
  const confirm = el("div", null, "confirm-box");
  card.append(label, el("br"), note, el("br"));
  for (const outcome of ["upheld", "rejected"]) {
    card.appendChild(button(outcome === "upheld" ? t("Uphold (reverse the decision)") : t("Reject (the decision stands)"),
      `act appeal-${outcome}`, () => {
        if (!note.value.trim()) { say(t("A note is required: say why, in words the user will read."), true); note.focus(); return; }
        confirm.replaceChildren(el("p", outcome === "upheld" ?
          t("Reverse the decision: post {post} will be allowed again. Note: \u201c{note}\u201d. Confirm?",
            { post: appeal.post_id, note: note.value.trim() }) :
          t("Reject the appeal: the decision ({action}) stands. Note: \u201c{note}\u201d. Confirm?",
            { action: name(appeal.action), note: note.value.trim() })),
        button(t("Confirm"), "act appeal-confirm", async () => {
          try {
            await api("POST", `/v1/appeals/${appeal.id}/decide`, { outcome, note: note.value.trim() });
            say(outcome === "upheld" ? t("Appeal upheld") : t("Appeal rejected"));
            card.replaceWith(appealCard({ ...appeal, status: "decided", outcome, note: note.value.trim() }));
          } catch (error) { say(error.message, true); }
        }), " ", button(t("Cancel"), "act appeal-cancel", () => confirm.replaceChildren()));
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
      cell(row, `${name(order.action)} (${name(order.review_status)})`);
      const open = cell(row, "");
      if (order.task_id) open.appendChild(button(t("Open case"), "act open", () => openCase(order.task_id)));
      else open.textContent = t("no review task");
      rows.appendChild(row);
    }
    say(t("Authority requests: {count}", { count: rows.children.length }));
  } catch (error) { say(error.message, true); }
}

// --- the dashboard and fact-checks ----------------------------------------------------------------

async function loadDashboard() {
  try {
    const { data: totals } = await api("GET", "/v1/transparency");
    const stats = $("stats");
    stats.replaceChildren();
    const shown = [[t("Decisions"), totals.decisions], [t("Automated"), `${Math.round(totals.automated_share * 100)}%`],
      [t("Government orders"), totals.authority_requests], [t("Reviews decided"), totals.reviews.decided],
      [t("Appeals upheld"), totals.appeals.upheld], [t("Reports"), totals.reports.total]];
    for (const [label, value] of shown) {
      const box = el("div", null, "stat");
      box.append(el("b", value), label);
      stats.appendChild(box);
    }
    $("breakdown").textContent = t("By action: {counts}", { counts: Object.entries(totals.by_action)
      .map(([code, count]) => `${name(code)} ${count}`).join(", ") });
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
  if (!items.length) { figure.append(el("p", t("None in this period."))); return figure; }
  const top = Math.max(...items.map(([, value]) => value)) || 1;
  const row = 24, labelWidth = 170, barWidth = 300;
  // A screen reader reads the chart as one image: its name carries the numbers too (WCAG 1.1.1).
  const spoken = `${title}: ${items.map(([code, value]) => `${name(code)} ${value}`).join(", ")}`;
  const chart = svg("svg", { role: "img", "aria-label": spoken, viewBox: `0 0 ${labelWidth + barWidth + 70} ${items.length * row}`,
    width: "100%", "font-size": 13 });
  items.forEach(([code, value], index) => {
    const y = index * row, width = Math.max(1, Math.round(barWidth * value / top));
    chart.append(svg("text", { x: labelWidth - 8, y: y + 16, "text-anchor": "end" }, name(code)));
    const bar = svg("rect", { x: labelWidth, y: y + 4, width, height: row - 8, fill: "#2b6cb0" });
    bar.append(svg("title", {}, `${name(code)}: ${value}`));
    chart.append(bar, svg("text", { x: labelWidth + width + 6, y: y + 16 }, value));
  });
  figure.append(chart);
  return figure;
}

const PALETTE = ["#2b6cb0", "#c05621", "#2f855a", "#b83280", "#6b46c1", "#b7791f", "#2c7a7b", "#9b2c2c", "#4a5568"];

function legend(keys) {
  const list = el("ul", null, "legend");
  keys.forEach((key, index) => {
    const item = el("li");
    const swatch = el("i");
    swatch.style.background = PALETTE[index % PALETTE.length];
    item.append(swatch, name(key));
    list.append(item);
  });
  return list;
}

function bucketLabel(day) {
  return formatDate(new Date(`${day}T00:00:00Z`), false, "UTC");
}

// Stacked columns over time, one colour per key (largest first); the reader's own data, drawn as
// SVG with text set as text. `series` is {key: [value per bucket]}.
function columnsChart(title, buckets, series) {
  const figure = el("figure", null, "card chart timechart");
  figure.append(el("figcaption", title));
  const keys = Object.keys(series || {}).sort((a, b) => series[b].reduce((x, y) => x + y, 0) -
    series[a].reduce((x, y) => x + y, 0) || a.localeCompare(b)).slice(0, PALETTE.length);
  const totals = buckets.map((_, index) => keys.reduce((sum, key) => sum + series[key][index], 0));
  if (!keys.length || !Math.max(...totals)) { figure.append(el("p", t("None in this period."))); return figure; }
  const top = Math.max(...totals), height = 160, left = 40, width = 480, step = width / buckets.length;
  const chart = svg("svg", { role: "img", "aria-label": title, viewBox: `0 0 ${left + width + 10} ${height + 30}`,
    width: "100%", "font-size": 11 });
  chart.append(svg("text", { x: left - 6, y: 10, "text-anchor": "end" }, top),
    svg("text", { x: left - 6, y: height, "text-anchor": "end" }, 0),
    svg("line", { x1: left, y1: height, x2: left + width, y2: height, stroke: "#8892a0" }));
  buckets.forEach((day, index) => {
    let base = height;
    keys.forEach((key, colour) => {
      const value = series[key][index];
      if (!value) return;
      const tall = (height - 10) * value / top;
      base -= tall;
      const bar = svg("rect", { x: left + index * step + 1, y: base, width: Math.max(1, step - 2), height: tall,
        fill: PALETTE[colour % PALETTE.length] });
      bar.append(svg("title", {}, `${bucketLabel(day)} — ${name(key)}: ${value}`));
      chart.append(bar);
    });
  });
  const every = Math.max(1, Math.ceil(buckets.length / 6));
  buckets.forEach((day, index) => {
    if (index % every === 0) chart.append(svg("text", { x: left + index * step, y: height + 16 }, bucketLabel(day)));
  });
  figure.append(chart, legend(keys));
  return figure;
}

// One line over time for a rate or a mean (null where there was nothing to measure).
function lineChart(title, buckets, values, percent) {
  const figure = el("figure", null, "card chart timechart");
  figure.append(el("figcaption", title));
  const known = values.filter((value) => value != null);
  if (!known.length) { figure.append(el("p", t("None in this period."))); return figure; }
  const top = percent ? 1 : Math.max(...known) || 1, height = 160, left = 40, width = 480;
  const step = width / Math.max(1, buckets.length - 1);
  const shown = (value) => percent ? `${Math.round(value * 100)}%` : value.toFixed(1);
  const chart = svg("svg", { role: "img", "aria-label": title, viewBox: `0 0 ${left + width + 10} ${height + 30}`,
    width: "100%", "font-size": 11 });
  chart.append(svg("text", { x: left - 6, y: 10, "text-anchor": "end" }, shown(top)),
    svg("text", { x: left - 6, y: height, "text-anchor": "end" }, shown(0)),
    svg("line", { x1: left, y1: height, x2: left + width, y2: height, stroke: "#8892a0" }));
  const points = [];
  values.forEach((value, index) => {
    if (value == null) return;
    const x = left + index * step, y = height - (height - 10) * value / top;
    points.push(`${x},${y}`);
    const dot = svg("circle", { cx: x, cy: y, r: 3, fill: PALETTE[0] });
    dot.append(svg("title", {}, `${bucketLabel(buckets[index])}: ${shown(value)}`));
    chart.append(dot);
  });
  chart.append(svg("polyline", { points: points.join(" "), fill: "none", stroke: PALETTE[0], "stroke-width": 2 }));
  const every = Math.max(1, Math.ceil(buckets.length / 6));
  buckets.forEach((day, index) => {
    if (index % every === 0) chart.append(svg("text", { x: left + index * step, y: height + 16 }, bucketLabel(day)));
  });
  figure.append(chart);
  return figure;
}

async function loadTimeCharts(period) {
  const box = $("timecharts");
  box.replaceChildren();
  const { data } = await api("GET", `/v1/reports/dashboard?period=${encodeURIComponent(period)}`);
  const { buckets, series } = data;
  box.append(
    columnsChart(t("Decisions by category over time"), buckets, series.by_category),
    columnsChart(t("Decisions by jurisdiction over time"), buckets, series.by_jurisdiction),
    columnsChart(t("Decisions by language over time"), buckets, series.by_language),
    lineChart(t("Automated share of decisions"), buckets, data.automated_share, true),
    columnsChart(t("Reviews decided against their deadline"), buckets, series.reviews),
    lineChart(t("Mean hours to action (reviews)"), buckets, data.mean_hours_to_action, false),
    lineChart(t("Appeal reversal rate"), buckets, data.appeal_reversal_rate, true),
    columnsChart(t("Reports and orders by source"), buckets, series.by_source));
}

async function loadCharts(event) {
  if (event) event.preventDefault();
  const charts = $("charts");
  charts.replaceChildren();
  const period = $("period").value.trim();
  try {
    await loadTimeCharts(period);
    const { data: report } = await api("GET", `/v1/reports/transparency?period=${encodeURIComponent(period)}`);
    charts.append(el("p", t("Decisions: {count}, from {since} to {until}; automated decisions {automated}%, appeals reversed {reversed}%.",
      { count: report.decisions, since: localTime(report.since), until: localTime(report.until),
        automated: Math.round(report.automated_decision_share * 100), reversed: Math.round(report.appeals.reversal_rate * 100) })));
    for (const [title, key] of [[N_("Decisions by category"), "by_category"], [N_("Decisions by action"), "by_action"],
      [N_("Decisions by source"), "by_source"], [N_("Decisions by language"), "by_language"],
      [N_("Decisions by jurisdiction"), "by_jurisdiction"]]) {
      charts.append(barChart(t(title), report[key]));
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
      cell(row, match.match ? t("yes") : "");
      cell(row, match.verdict);
      const claim = cell(row, match.claim);
      if (match.summary) claim.title = match.summary;  // the fact-checker's finding, on hover
      cell(row, match.publisher);
      rows.appendChild(row);
    }
  } catch (error) { say(error.message, true); }
}

function show(tab) {
  for (const button of document.querySelectorAll("nav button")) {
    button.setAttribute("aria-selected", button.dataset.tab === tab);
    button.tabIndex = button.dataset.tab === tab ? 0 : -1;  // one tab stop for the tab list; arrows move in it
  }
  for (const section of document.querySelectorAll("main section")) section.hidden = section.id !== tab;
  if (tab === "reviews") loadReviews();
  if (tab === "appeals") loadAppeals();
  if (tab === "authority") loadAuthority();
  if (tab === "dashboard") loadDashboard();
}

for (const navButton of document.querySelectorAll("nav button")) {
  navButton.onclick = () => show(navButton.dataset.tab);
  navButton.tabIndex = navButton.getAttribute("aria-selected") === "true" ? 0 : -1;
}
// The WAI-ARIA tabs pattern: Left and Right (and Home, End) move between tabs and open the one reached.
document.querySelector("nav[role='tablist']").addEventListener("keydown", (event) => {
  const tabs = [...document.querySelectorAll("nav button[role='tab']")];
  const at = tabs.indexOf(document.activeElement);
  const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
  if (at < 0 || to === undefined) return;
  event.preventDefault();
  const next = tabs[(to + tabs.length) % tabs.length];
  next.focus();
  show(next.dataset.tab);
});
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
$("lang").onchange = async () => {
  await setLanguage($("lang").value);
  const tab = document.querySelector("nav button[aria-selected='true']");
  if (!$("case").hidden && currentCase) renderCase();
  else if (apiKey && tab) show(tab.dataset.tab);
  else say(t("Enter an API key to start."));
};
setLanguage(preferredLanguage()).then(() => {
  if (apiKey) show("reviews"); else say(t("Enter an API key to start."));
});
