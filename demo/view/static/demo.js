// The demo view's one script: live updates, clicks, selects, forms and slash commands.
// Every action is posted to the view, which has the fake send it to the bot as Discord would.
"use strict";
const channelId = document.body.dataset.channel;
const feed = document.getElementById("feed");
const sidebar = document.getElementById("sidebar");
const composer = document.getElementById("composer");
const list = document.getElementById("command-list");
const cform = document.getElementById("command-form");
const notice = document.getElementById("notice");
let commands = [];
let roles = [];
let chosen = null;
let lastFeed = feed.innerHTML;

function atBottom() { return feed.scrollHeight - feed.scrollTop - feed.clientHeight < 80; }
feed.scrollTop = feed.scrollHeight;

async function post(url, body) {
  const r = await fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body || {})});
  return r.json();
}

function say(text) {
  notice.textContent = text;
  notice.hidden = !text;
  if (text) setTimeout(() => { notice.hidden = true; }, 6000);
}

async function handle(result) {
  if (result.error) say(result.error);
  if (result.modal) openModal(result.modal);
  setTimeout(refresh, 150);
}

async function refresh() {
  try {
    const r = await fetch(`/channels/${channelId}/live`);
    const data = await r.json();
    const busy = feed.contains(document.activeElement) && document.activeElement.tagName === "SELECT";
    if (data.feed !== lastFeed && !busy) {
      const stick = atBottom();
      feed.innerHTML = data.feed;
      lastFeed = data.feed;
      if (stick) feed.scrollTop = feed.scrollHeight;
    }
    if (sidebar.innerHTML !== data.sidebar) sidebar.innerHTML = data.sidebar;
    document.getElementById("clock-now").textContent = data.clock.now.slice(0, 16).replace("T", " ") + " UTC";
    document.getElementById("clock-mode").textContent = data.clock.mode;
    document.getElementById("status").textContent = data.clock.status;
  } catch (e) { /* the demo stopped or is restarting: try again */ }
}
setInterval(refresh, 1000);

document.querySelectorAll("[data-clock]").forEach((b) => b.addEventListener("click", async () => {
  const r = await post(`/clock/${b.dataset.clock}`);
  if (r.error) say(r.error);
  refresh();
}));

feed.addEventListener("click", async (ev) => {
  const btn = ev.target.closest("button[data-custom-id]");
  if (btn) {
    btn.disabled = true;
    return handle(await post("/click", {custom_id: btn.dataset.customId, message_id: btn.dataset.message}));
  }
  const pick = ev.target.closest("button.pick");
  if (pick) {
    const sel = pick.parentElement.querySelector("select");
    const values = [...sel.selectedOptions].map((o) => o.value).slice(0, Number(sel.dataset.max));
    return handle(await post("/click", {custom_id: pick.dataset.for, message_id: pick.dataset.message, values}));
  }
});
feed.addEventListener("change", async (ev) => {
  const sel = ev.target.closest("select[data-custom-id]");
  if (!sel || sel.multiple) return;
  handle(await post("/click", {custom_id: sel.dataset.customId, message_id: sel.dataset.message, values: [sel.value]}));
});

// ---------------------------------------------------------------- forms (modals)
const dialog = document.getElementById("modal");
const mform = document.getElementById("modal-form");
function inputsOf(modal) {
  const out = [];
  for (const c of modal.components || []) {
    if (c.type === 1) for (const x of c.components || []) out.push({label: x.label, field: x});
    else if (c.type === 18) out.push({label: c.label, description: c.description, field: c.component});
    else if (c.type === 10) out.push({text: c.content});
  }
  return out;
}
function openModal(modal) {
  mform.innerHTML = "";
  const h = document.createElement("h2"); h.textContent = modal.title; mform.appendChild(h);
  for (const item of inputsOf(modal)) {
    if (item.text) { const p = document.createElement("p"); p.textContent = item.text; mform.appendChild(p); continue; }
    const f = item.field;
    const label = document.createElement("label");
    label.textContent = item.label || f.label || f.custom_id;
    let input;
    if (f.type === 4) {
      input = document.createElement(f.style === 2 ? "textarea" : "input");
      if (f.placeholder) input.placeholder = f.placeholder;
      if (f.value) input.value = f.value;
      if (f.max_length) input.maxLength = f.max_length;
      if (f.required !== false) input.required = true;
    } else {
      input = document.createElement("select");
      if ((f.max_values || 1) > 1) input.multiple = true;
      for (const o of f.options || []) { const op = document.createElement("option"); op.value = o.value; op.textContent = o.label; input.appendChild(op); }
    }
    input.name = f.custom_id;
    input.dataset.kind = f.type;
    label.appendChild(input);
    mform.appendChild(label);
  }
  const row = document.createElement("div"); row.className = "modal-actions";
  const cancel = document.createElement("button"); cancel.type = "button"; cancel.textContent = "Cancel"; cancel.className = "btn secondary";
  cancel.onclick = () => dialog.close();
  const submit = document.createElement("button"); submit.type = "submit"; submit.textContent = "Submit"; submit.className = "btn primary"; submit.id = "modal-submit";
  row.append(cancel, submit); mform.appendChild(row);
  mform.onsubmit = async (ev) => {
    ev.preventDefault();
    const values = {};
    for (const el of mform.querySelectorAll("[name]")) {
      values[el.name] = el.dataset.kind === "4" ? el.value : [...el.selectedOptions].map((o) => o.value);
    }
    dialog.close();
    handle(await post("/modal", {custom_id: modal.custom_id, values}));
  };
  dialog.showModal();
}

// ---------------------------------------------------------------- slash commands
async function loadCommands() { const data = await (await fetch("/commands")).json(); commands = data.commands; roles = data.roles; }
loadCommands();

function showList() {
  const q = composer.value.slice(1).trim().toLowerCase();
  const hits = commands.filter((c) => c.path.startsWith(q) || c.path.includes(q)).slice(0, 12);
  list.innerHTML = "";
  for (const c of hits) {
    const item = document.createElement("div");
    item.className = "cmd-item"; item.dataset.path = c.path;
    item.innerHTML = `<b>/${c.path}</b> <span class="muted"></span>`;
    item.querySelector("span").textContent = c.description;
    item.onclick = () => chooseCommand(c);
    list.appendChild(item);
  }
  list.hidden = hits.length === 0;
}

function chooseCommand(c) {
  chosen = c;
  list.hidden = true;
  composer.value = `/${c.path} `;
  cform.innerHTML = "";
  const title = document.createElement("div"); title.className = "cmd-title"; title.textContent = `/${c.path}`;
  cform.appendChild(title);
  for (const o of c.options) {
    const label = document.createElement("label");
    label.className = "opt";
    label.innerHTML = `<span>${o.name}${o.required ? " *" : ""}</span>`;
    let input;
    if (o.choices.length) {
      input = document.createElement("select");
      input.appendChild(new Option("—", ""));
      o.choices.forEach((name, i) => input.appendChild(new Option(name, o.choice_values[i])));
    } else if ([6, 7, 8, 9].includes(o.type)) {
      input = document.createElement("select");
      input.appendChild(new Option("—", ""));
      fillEntities(input, o.type);
    } else if (o.type === 5) {
      input = document.createElement("select");
      ["", "true", "false"].forEach((v) => input.appendChild(new Option(v || "—", v)));
    } else {
      input = document.createElement("input");
      input.placeholder = o.description;
      if (o.autocomplete) {
        const dl = document.createElement("datalist"); dl.id = `ac-${o.name}`;
        input.setAttribute("list", dl.id); label.appendChild(dl);
        input.addEventListener("input", () => autocomplete(o.name, input, dl));
        input.addEventListener("focus", () => autocomplete(o.name, input, dl));
      }
    }
    input.name = o.name; input.title = o.description;
    label.appendChild(input);
    cform.appendChild(label);
  }
  const send = document.createElement("button"); send.type = "submit"; send.className = "btn primary"; send.textContent = "Send"; send.id = "command-send";
  cform.appendChild(send);
  cform.hidden = false;
}

function fillEntities(select, type) {
  const source = type === 7 ? "#sidebar a.chan:not(.dm)" : null;
  if (source) {
    for (const a of document.querySelectorAll(source)) select.appendChild(new Option(`#${a.dataset.name}`, a.getAttribute("href").split("/").pop()));
    return;
  }
  const people = document.getElementById("you-are");
  if (type === 8) { for (const r of roles) select.appendChild(new Option(`@${r.name}`, r.id)); return; }
  for (const o of people.options) if (!o.textContent.includes("joins now")) select.appendChild(new Option(o.textContent.split(" · ")[0], o.value));
}

async function autocomplete(name, input, dl) {
  const options = Object.fromEntries(new FormData(cform));
  const choices = await post("/autocomplete", {path: chosen.path, focused: name, options});
  dl.innerHTML = "";
  for (const c of choices) dl.appendChild(new Option(c.name, c.value));
}

cform.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const options = Object.fromEntries(new FormData(cform));
  const path = chosen.path;
  cform.hidden = true; composer.value = ""; chosen = null;
  handle(await post("/slash", {channel_id: channelId, path, options}));
});

composer.addEventListener("input", () => {
  if (composer.value.startsWith("/")) { if (!chosen || !composer.value.startsWith(`/${chosen.path}`)) { cform.hidden = true; chosen = null; showList(); } }
  else { list.hidden = true; cform.hidden = true; chosen = null; }
});
composer.addEventListener("keydown", async (ev) => {
  if (ev.key !== "Enter") return;
  ev.preventDefault();
  if (composer.value.startsWith("/")) {
    const first = list.querySelector(".cmd-item");
    if (chosen) cform.requestSubmit();
    else if (first) chooseCommand(commands.find((c) => c.path === first.dataset.path));
    return;
  }
  const content = composer.value; composer.value = "";
  if (content.trim()) { await post("/say", {channel_id: channelId, content}); refresh(); }
});
