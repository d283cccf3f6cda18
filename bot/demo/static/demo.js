// The Firebell demo page: plain JavaScript, no build step. Panes are rendered on the server; this script
// fetches them, sends what the person does, and refreshes on server-sent events.
"use strict";

const state = { me: null, channel: "CGENERAL", seen: {}, known: new Set() };
const $ = (id) => document.getElementById(id);

async function post(path, body) {
  const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ as: state.me, ...body }) });
  return response.json().catch(() => ({ ok: response.ok }));
}

function paneChannel() { return state.channel === "dm" ? state.me : state.channel; }

async function refreshState() {
  const data = await (await fetch(`/demo/state?as=${state.me}`)).json();
  const list = $("channels");
  list.innerHTML = "";
  for (const channel of data.channels) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "#"; a.dataset.channel = channel.id; a.textContent = "# " + channel.name;
    a.id = "nav-" + channel.name;
    if (channel.id === state.channel) a.classList.add("active");
    if (state.known.size && !state.known.has(channel.id)) a.classList.add("new");
    li.appendChild(a); list.appendChild(li);
  }
  data.channels.forEach((c) => state.known.add(c.id));
  $("nav-dm").classList.toggle("active", state.channel === "dm");
  $("nav-home").classList.toggle("active", state.channel === "home");
  // The badge counts the bot's DMs to you that arrived since you last looked at them.
  if (state.channel === "dm") state.seen[state.me] = data.unread_dm;
  const unseen = data.unread_dm - (state.seen[state.me] || 0);
  $("dm-count").textContent = unseen > 0 ? String(unseen) : "";
  const clock = data.clock;
  $("clock-now").textContent = `${clock.now.replace("T", " ")}` + (clock.offset_minutes ? ` (+${clock.offset_minutes} min)` : "");
  const log = $("scheduler-log");
  log.innerHTML = "";
  for (const line of clock.log.slice(-25)) {
    const li = document.createElement("li"); li.textContent = `${line.at} ${line.text}`; log.appendChild(li);
  }
  log.scrollTop = log.scrollHeight;
  const names = Object.fromEntries(data.channels.map((c) => [c.id, c.name]));
  $("pane-title").textContent = state.channel === "home" ? "firebell · Home"
    : state.channel === "dm" ? "firebell (direct messages)" : "# " + (names[state.channel] || state.channel);
  $("composer").hidden = state.channel === "home";
  if (data.modal) await refreshModal(); else $("modal-layer").hidden = true;
}

async function refreshPane() {
  const pane = $("pane");
  const atBottom = pane.scrollTop + pane.clientHeight >= pane.scrollHeight - 40;
  const response = await fetch(`/demo/pane?as=${state.me}&channel=${encodeURIComponent(paneChannel())}`);
  pane.innerHTML = await response.text();
  if (atBottom) pane.scrollTop = pane.scrollHeight;
}

async function refreshModal() {
  const html = await (await fetch(`/demo/modal?as=${state.me}`)).text();
  $("modal").innerHTML = html;
  $("modal-layer").hidden = !html.trim();
}

let pending = null;
function refresh() {
  if (pending) return;
  pending = setTimeout(async () => { pending = null; await refreshState(); await refreshPane(); }, 80);
}

async function select(channel) {
  state.channel = channel;
  if (channel === "home") await post("/demo/home", {});
  await refreshState(); await refreshPane();
}

function confirmFirst(spec) {
  if (!spec) return Promise.resolve(true);
  return new Promise((resolve) => {
    $("confirm-title").textContent = spec.title; $("confirm-text").textContent = spec.text;
    $("confirm-ok").textContent = spec.confirm; $("confirm-deny").textContent = spec.deny;
    $("confirm-ok").className = "bk-button bk-" + (spec.style === "danger" ? "danger" : "primary");
    $("confirm-layer").hidden = false;
    const done = (answer) => { $("confirm-layer").hidden = true; resolve(answer); };
    $("confirm-ok").onclick = () => done(true);
    $("confirm-deny").onclick = () => done(false);
  });
}

function surfaceOf(element) {
  if (element.closest("#modal")) return { surface: "modal" };
  if (state.channel === "home") return { surface: "home" };
  const message = element.closest(".message[data-ts]");
  return { surface: "message", channel: message.dataset.channel, ts: message.dataset.ts };
}

async function sendAction(element, selected) {
  const data = JSON.parse(element.dataset.action);
  await post("/demo/action", { ...surfaceOf(element), block_id: data.block_id, action_id: data.action_id, selected });
  refresh();
}

document.addEventListener("click", async (event) => {
  const nav = event.target.closest("a[data-channel]");
  if (nav) { event.preventDefault(); await select(nav.dataset.channel); return; }
  const button = event.target.closest("button.bk-button[data-action]");
  if (button) {
    event.preventDefault();
    const confirm = button.dataset.confirm ? JSON.parse(button.dataset.confirm) : null;
    if (await confirmFirst(confirm)) await sendAction(button, null);
    return;
  }
  if (event.target.closest(".modal-close")) { await post("/demo/modal/close", {}); refresh(); return; }
  const step = event.target.closest("button[data-step]");
  if (step) { await post("/demo/clock", { step: step.dataset.step }); refresh(); return; }
  if (event.target.closest("#replay")) { await post("/demo/replay", {}); refresh(); }
});

document.addEventListener("change", async (event) => {
  if (event.target.closest("#modal form") && !event.target.closest(".bk-actions, .bk-accessory")) return;
  const group = event.target.closest(".bk-checkboxes[data-action]");
  if (group) {
    const chosen = [...group.querySelectorAll("input:checked")].map((box) => box.value);
    await sendAction(group, chosen); return;
  }
  if (event.target.matches("select.bk-select[data-action]")) await sendAction(event.target, event.target.value);
});

document.addEventListener("submit", async (event) => {
  if (event.target.id === "composer") {
    event.preventDefault();
    const input = $("composer-text");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    await post("/demo/command", { channel: paneChannel(), text });
    refresh(); return;
  }
  const form = event.target.closest("form.view-modal");
  if (!form) return;
  event.preventDefault();
  const values = {};
  for (const field of form.querySelectorAll("[data-action]")) {
    const data = JSON.parse(field.dataset.action);
    let value;
    if (field.classList.contains("bk-checkboxes")) value = [...field.querySelectorAll("input:checked")].map((b) => b.value);
    else value = field.value;
    (values[data.block_id] = values[data.block_id] || {})[data.action_id] = value;
  }
  const answer = await post("/demo/submit", { values });
  form.querySelectorAll(".bk-error").forEach((e) => { e.hidden = true; });
  if (answer.ok) { $("modal-layer").hidden = true; refresh(); return; }
  for (const [block, message] of Object.entries(answer.errors || {})) {
    const holder = form.querySelector(`.bk-input[data-block-id="${CSS.escape(block)}"] .bk-error`);
    if (holder) { holder.textContent = message; holder.hidden = false; } else alert(message);
  }
});

$("who").addEventListener("change", async (event) => { state.me = event.target.value; await select(state.channel); });

state.me = $("who").value;
const stream = new EventSource("/demo/events");
stream.addEventListener("change", refresh);
stream.addEventListener("hello", () => { document.body.dataset.live = "yes"; });
select(state.channel);
