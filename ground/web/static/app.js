"use strict";
// The web ground page: everything it shows comes from the ground process (GET /api/...), what changes is
// pushed by server-sent events (/api/stream). The command form is generated from the dictionary and
// checked here before sending; the server checks again and answers a refusal with one line.

const token = new URLSearchParams(location.search).get("token");
const LIVE_SECONDS = 600;
const STAGES = ["accepted", "started", "progress", "completed"];
const FAILED_STAGE = { acceptance: "accepted", start: "started", progress: "progress", completion: "completed" };
const DEGREE_UNITS = { "rad": "deg", "rad/s": "deg/s" };

let dictionary = null;
let parameters = {};
let liveName = null;
const live = {};
let historyTimer = null;
let lastOnboard = Date.now() / 1000;
let archiveRangeAuto = true;  // the archive plot's range follows the onboard clock until the operator sets it

function withToken(path) {
  if (!token) return path;
  return path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token);
}

async function api(path, body) {
  const init = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  const response = await fetch(withToken(path), init);
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) tr.appendChild(cell instanceof Node ? cell : element("td", cell));
  return tr;
}

function utc(t) {
  return t === null || t === undefined ? "" : new Date(t * 1000).toISOString().replace("T", " ").slice(0, 19);
}

function enumNames(spec) {
  const names = {};
  for (const [name, value] of Object.entries(spec.values || {})) names[value] = name;
  return names;
}

function display(spec, value) {
  if (value === null || value === undefined) return "-";
  const names = enumNames(spec);
  if (names[value] !== undefined) return names[value];
  return typeof value === "number" && !Number.isInteger(value) ? Number(value.toPrecision(6)).toString() : String(value);
}

function outside(spec, value) {
  return typeof value === "number" && ((spec.low_limit !== null && value < spec.low_limit) ||
    (spec.high_limit !== null && value > spec.high_limit));
}

// ---- command form -------------------------------------------------------------------------------------

function commandSpec(name) { return dictionary.commands.find((c) => c.name === name); }

function allowed(arg) {
  if (arg.type === "enum") return "one of " + Object.keys(arg.values).join(", ");
  if (arg.type === "bool") return "true or false";
  const low = arg.min === null ? "-inf" : arg.min, high = arg.max === null ? "inf" : arg.max;
  return `${arg.type} in [${low}, ${high}]${arg.unit ? " " + arg.unit : ""}`;
}

function buildForm() {
  const spec = commandSpec(document.getElementById("command-name").value);
  const holder = document.getElementById("command-args");
  holder.replaceChildren();
  document.getElementById("command-description").textContent = spec.description || "";
  document.getElementById("command-error").textContent = "";
  const args = spec.args.slice();
  if (spec.embedded_tc) args.push({ name: "tc", type: "packet", values: {}, unit: "", min: null, max: null });
  for (const arg of args) {
    const label = element("label", arg.name + (spec.repeated ? " (comma-separated list)" : ""));
    let input;
    if ((arg.type === "enum" || arg.type === "bool") && !spec.repeated) {
      input = document.createElement("select");
      const choices = arg.type === "bool" ? ["true", "false"] : Object.keys(arg.values);
      for (const choice of choices) input.appendChild(element("option", choice));
      if (hasDefault(arg)) input.value = arg.type === "bool" ? String(Boolean(arg.default)) : enumNames(arg)[arg.default];
    } else {
      input = document.createElement("input");
      input.type = "text";
      input.placeholder = arg.type === "packet" ? "space packet in hex"
        : allowed(arg) + (hasDefault(arg) ? `; default ${arg.default}` : "");
      input.size = 28;
    }
    if (arg.description) label.title = arg.description;
    input.dataset.arg = arg.name;
    input.name = arg.name;
    label.appendChild(input);
    if (arg.unit) label.appendChild(element("span", " " + arg.unit + (DEGREE_UNITS[arg.unit] ? ` (or ${DEGREE_UNITS[arg.unit]})` : ""), "note"));
    holder.appendChild(label);
  }
}

function checkNumber(arg, text) {
  let word = text.trim();
  let scale = 1;
  const degrees = DEGREE_UNITS[arg.unit];
  if (degrees && word.endsWith(degrees)) { word = word.slice(0, -degrees.length); scale = Math.PI / 180; }
  else if (arg.unit && word.endsWith(arg.unit)) word = word.slice(0, -arg.unit.length);
  if (word === "" || !Number.isFinite(Number(word))) return "not a number";
  const value = Number(word) * scale;
  if (arg.type === "int" && !Number.isInteger(value)) return "not a whole number";
  if ((arg.min !== null && value < arg.min) || (arg.max !== null && value > arg.max)) return "out of range";
  return null;
}

function hasDefault(arg) { return arg.default !== undefined && arg.default !== null; }

function validate(spec, values) {
  for (const arg of spec.args) {
    const text = values[arg.name];
    if ((text === undefined || text.trim() === "") && hasDefault(arg)) continue;
    if (text === undefined || text.trim() === "") return `${spec.name}: missing argument ${arg.name} (${allowed(arg)})`;
    if (arg.type === "enum" || arg.type === "bool" || arg.type === "packet") continue;
    const words = spec.repeated ? text.split(",") : [text];
    for (const word of words) {
      const problem = checkNumber(arg, word);
      if (problem) return `${spec.name}: ${arg.name}=${JSON.stringify(word.trim())}: ${problem}; must be ${allowed(arg)}`;
    }
  }
  if (spec.repeated) {
    const given = spec.args.filter((a) => values[a.name] !== undefined && values[a.name].trim() !== "");
    const counts = new Set(given.map((a) => values[a.name].split(",").length));
    if (counts.size > 1) return `${spec.name}: the lists of ${spec.args.map((a) => a.name).join(", ")} must have the same length`;
  }
  return null;
}

async function sendCommand(event) {
  event.preventDefault();
  const spec = commandSpec(document.getElementById("command-name").value);
  const values = {};
  for (const input of document.querySelectorAll("#command-args [data-arg]")) {
    if (input.value.trim() !== "") values[input.dataset.arg] = input.value;  // left empty: the default
  }
  const errorLine = document.getElementById("command-error");
  const problem = validate(spec, values);
  if (problem) { errorLine.textContent = problem; return; }
  errorLine.textContent = "";
  const button = document.getElementById("command-send");
  button.disabled = true;
  try {
    await api("/api/command", { name: spec.name, args: values });
    await refreshHistory();
  } catch (failure) {
    errorLine.textContent = failure.message;
  } finally {
    button.disabled = false;
  }
}

// ---- history, housekeeping, events --------------------------------------------------------------------

function stageCell(entry, stage) {
  const reports = entry.stages.filter((s) => (s.success ? s.stage : FAILED_STAGE[s.stage]) === stage);
  const td = element("td");
  td.dataset.stage = stage;
  if (reports.length === 0) return td;
  const failed = reports.find((r) => !r.success);
  td.textContent = failed ? "✗ " + failed.failure : "✓ " + utc(reports[reports.length - 1].onboard_unix_s).slice(11);
  td.className = failed ? "stage-failed" : "stage-ok";
  return td;
}

async function refreshHistory() {
  const entries = await api("/api/history?limit=50");
  const body = document.querySelector("#history tbody");
  body.replaceChildren();
  for (const entry of entries.reverse()) {
    const tr = row([utc(entry.sent_unix_s), entry.name, entry.args, entry.source,
      ...STAGES.map((stage) => stageCell(entry, stage)), entry.outcome]);
    tr.dataset.command = entry.name;
    tr.dataset.outcome = entry.outcome;
    body.appendChild(tr);
  }
}

function scheduleHistory() {
  if (historyTimer !== null) return;
  historyTimer = setTimeout(() => { historyTimer = null; refreshHistory().catch(showStreamError); }, 150);
}

function buildHousekeeping() {
  const body = document.querySelector("#housekeeping tbody");
  const select = document.getElementById("live-name");
  const archived = document.getElementById("archive-name");
  for (const spec of dictionary.parameters) {
    const limits = spec.low_limit === null && spec.high_limit === null ? ""
      : `${spec.low_limit === null ? "" : spec.low_limit} .. ${spec.high_limit === null ? "" : spec.high_limit}`;
    const value = element("td", "-");
    value.dataset.value = spec.name;
    const tr = row([spec.name, value, spec.unit, limits]);
    tr.dataset.parameter = spec.name;
    tr.title = spec.description || "";
    tr.addEventListener("click", () => selectLive(spec.name));
    body.appendChild(tr);
    select.appendChild(element("option", spec.name));
    archived.appendChild(element("option", spec.name));
    live[spec.name] = [];
  }
  select.addEventListener("change", () => selectLive(select.value));
  document.getElementById("housekeeping-filter").addEventListener("input", (e) => {
    const words = e.target.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const tr of body.children) {
      tr.hidden = !words.every((w) => tr.dataset.parameter.toLowerCase().includes(w));
    }
  });
}

function showHousekeeping(values, t) {
  for (const [name, value] of Object.entries(values)) {
    const spec = parameters[name];
    const cell = document.querySelector(`#housekeeping td[data-value="${name}"]`);
    if (!spec || !cell) continue;
    cell.textContent = display(spec, value);
    cell.className = outside(spec, value) ? "out-of-limits" : "";
    if (t !== null && typeof value === "number") {
      const series = live[name];
      series.push([t, value]);
      while (series.length && series[0][0] < t - LIVE_SECONDS) series.shift();
    }
  }
  if (t !== null) {
    lastOnboard = t;
    document.getElementById("hk-time").textContent = "onboard " + utc(t);
    if (archiveRangeAuto) setArchiveRange();
  }
  drawLive();
}

function plotOptions(name) {
  const spec = parameters[name];
  return { title: name, unit: spec.unit, low: spec.low_limit, high: spec.high_limit, names: enumNames(spec),
    steps: spec.type !== "float" };
}

function drawLive() {
  if (liveName) drawPlot(document.getElementById("live-plot"), live[liveName], plotOptions(liveName));
}

async function selectLive(name) {
  liveName = name;
  document.getElementById("live-name").value = name;
  for (const tr of document.querySelectorAll("#housekeeping tbody tr")) {
    tr.classList.toggle("selected", tr.dataset.parameter === name);
  }
  if (live[name].length === 0) {
    const found = await api(`/api/archive?name=${encodeURIComponent(name)}&from=${lastOnboard - LIVE_SECONDS}&points=600`);
    if (live[name].length === 0) live[name] = found.points.slice(-600);
  }
  drawLive();
}

function addEvent(event) {
  const body = document.querySelector("#events tbody");
  const tr = row([utc(event.onboard_unix_s), event.name, event.severity, event.text]);
  tr.className = "severity-" + event.severity;
  body.insertBefore(tr, body.firstChild);
  while (body.children.length > 200) body.removeChild(body.lastChild);
}

function showLink(link) {
  const badge = document.getElementById("link");
  badge.textContent = link.up ? `link: up (${link.name})` : `link: down (${link.problem})`;
  badge.className = "badge " + (link.up ? "up" : "down");
  badge.dataset.up = String(link.up);
}

function showStreamError(failure) {
  document.getElementById("command-error").textContent = failure.message;
}

// ---- sequences ----------------------------------------------------------------------------------------

async function runSequence() {
  const errorLine = document.getElementById("sequence-error");
  const file = document.getElementById("sequence-file").files[0];
  errorLine.textContent = "";
  try {
    const result = await api("/api/sequence", {
      name: file ? file.name : "page", text: document.getElementById("sequence-text").value,
    });
    document.getElementById("sequence-log").textContent = `started: ${result.steps} steps\n`;
  } catch (failure) {
    errorLine.textContent = failure.message;
  }
}

function sequenceLine(message) {
  const log = document.getElementById("sequence-log");
  if (message.line) log.textContent += message.line + "\n";
  if (message.running !== undefined) document.getElementById("sequence-run").disabled = message.running;
  log.scrollTop = log.scrollHeight;
}

// ---- archive plot -------------------------------------------------------------------------------------

function localInput(t) { return new Date(t * 1000).toISOString().slice(0, 19); }

function setArchiveRange() {
  document.getElementById("archive-from").value = localInput(lastOnboard - 3600);
  document.getElementById("archive-to").value = localInput(lastOnboard + 60);
}

async function plotArchive(event) {
  if (event) event.preventDefault();
  const name = document.getElementById("archive-name").value;
  const from = document.getElementById("archive-from").value;
  const to = document.getElementById("archive-to").value;
  const errorLine = document.getElementById("archive-error");
  errorLine.textContent = "";
  try {
    const query = `name=${encodeURIComponent(name)}&from=${encodeURIComponent(from + "Z")}&to=${encodeURIComponent(to + "Z")}&points=1500`;
    const found = await api("/api/archive?" + query);
    document.getElementById("archive-csv").href = withToken("/api/archive.csv?" + query);
    const range = `from=${encodeURIComponent(from + "Z")}&to=${encodeURIComponent(to + "Z")}`;
    const events = await api(`/api/events?limit=200&${range}`);
    drawPlot(document.getElementById("archive-plot"), found.points, { ...plotOptions(name), events });
    // the count last: once it is set, the plot beside it is drawn
    document.getElementById("archive-count").textContent = `${found.count} samples`;
    document.getElementById("archive-count").dataset.count = String(found.count);
  } catch (failure) {
    errorLine.textContent = failure.message;
  }
}

// ---- start --------------------------------------------------------------------------------------------

function connectStream() {
  const stream = new EventSource(withToken("/api/stream"));
  stream.addEventListener("hk", (e) => { const m = JSON.parse(e.data); showHousekeeping(m.values, m.t); });
  stream.addEventListener("event", (e) => addEvent(JSON.parse(e.data)));
  stream.addEventListener("history", scheduleHistory);
  stream.addEventListener("link", (e) => showLink(JSON.parse(e.data)));
  stream.addEventListener("sequence", (e) => sequenceLine(JSON.parse(e.data)));
  stream.addEventListener("open", () => { document.body.dataset.stream = "open"; refreshHistory().catch(showStreamError); });
}

async function start() {
  dictionary = await api("/api/dictionary");
  for (const spec of dictionary.parameters) parameters[spec.name] = spec;
  const names = document.getElementById("command-name");
  for (const spec of dictionary.commands) names.appendChild(element("option", spec.name));
  names.addEventListener("change", buildForm);
  buildForm();
  buildHousekeeping();
  document.getElementById("command-form").addEventListener("submit", sendCommand);
  document.getElementById("sequence-run").addEventListener("click", runSequence);
  document.getElementById("sequence-file").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    if (file) document.getElementById("sequence-text").value = await file.text();
  });
  document.getElementById("archive-form").addEventListener("submit", plotArchive);

  const state = await api("/api/state");
  showLink(state.link);
  document.getElementById("session").textContent = `session ${state.session} · archive ${state.archive}`;
  document.getElementById("sequence-run").disabled = state.sequence_running;
  showHousekeeping(state.housekeeping, null);
  const last = state.archive_span_unix_s[1];
  if (last !== null) lastOnboard = last;
  setArchiveRange();
  for (const id of ["archive-from", "archive-to"]) {
    document.getElementById(id).addEventListener("input", () => { archiveRangeAuto = false; });
  }
  for (const event of await api("/api/events?limit=100")) addEvent(event);
  await refreshHistory();
  await selectLive(dictionary.parameters.find((p) => p.name === "adcs_mode") ? "adcs_mode" : dictionary.parameters[0].name);
  connectStream();
  document.body.dataset.ready = "true";
}

start().catch((failure) => { document.getElementById("command-error").textContent = "page failed to start: " + failure.message; });
