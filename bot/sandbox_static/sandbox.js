// The sandbox page: one chat per demo persona, kept up to date by server-sent events (or
// polling when they are not available). Plain JavaScript, no libraries, nothing external.
"use strict";

const phones = new Map();  // user_id -> {section, list, error, input}
let seen = {generation: -1, revision: -1};
let active = null;

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || "Something went wrong; try again.");
  return data;
}

function say(text) { document.getElementById("status").textContent = text; }

function showClock(clock) { document.getElementById("clock-now").textContent = clock.shown; }

function build(state) {
  const chats = document.getElementById("chats");
  const switcher = document.getElementById("switcher");
  chats.replaceChildren(); switcher.replaceChildren(); phones.clear();
  const template = document.getElementById("phone-template");
  for (const persona of state.personas) {
    const section = template.content.firstElementChild.cloneNode(true);
    const id = persona.user_id;
    section.id = `chat-${id}`;
    section.dataset.userId = id;
    section.setAttribute("aria-labelledby", `chat-${id}-name`);
    const name = section.querySelector(".phone-name");
    name.id = `chat-${id}-name`;
    name.textContent = persona.name + " ";
    const role = document.createElement("span");
    role.className = "role";
    role.textContent = `(${persona.role_label})`;
    name.append(role);
    const input = section.querySelector("input");
    input.id = `chat-${id}-text`;
    const label = section.querySelector("label");
    label.htmlFor = input.id;
    label.textContent = `Message as ${persona.name}`;
    input.placeholder = `Message as ${persona.name}`;
    section.querySelector(".composer").addEventListener("submit", (event) => {
      event.preventDefault();
      send(id, input.value).then((ok) => { if (ok) input.value = ""; });
    });
    showMenu(section, id, persona.commands);
    chats.append(section);
    phones.set(id, {
      section, list: section.querySelector(".messages"),
      error: section.querySelector(".chat-error"), notice: section.querySelector(".notice"),
      input,
    });
    const tab = document.createElement("button");
    tab.type = "button";
    tab.textContent = `${persona.name} (${persona.role_label})`;
    tab.dataset.userId = id;
    tab.addEventListener("click", () => choose(id));
    switcher.append(tab);
  }
  choose(active && phones.has(active) ? active : state.personas[0].user_id);
  showTours(state.tours);
}

function showMenu(section, id, commands) {
  const items = section.querySelector(".menu-items");
  items.replaceChildren();
  for (const {command, description} of commands) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `/${command} — ${description}`;
    button.addEventListener("click", () => {
      section.querySelector(".menu").open = false;
      section.querySelector("input").focus();  // the closed menu would drop keyboard focus
      send(id, `/${command}`);
    });
    items.append(button);
  }
}

function choose(id) {
  active = id;
  for (const [userId, phone] of phones) phone.section.classList.toggle("active", userId === id);
  for (const tab of document.querySelectorAll("#switcher button")) {
    tab.setAttribute("aria-pressed", String(Number(tab.dataset.userId) === id));
  }
}

function showTours(tours) {
  const list = document.getElementById("tour-list");
  list.replaceChildren();
  for (const tour of tours) {
    const details = document.createElement("details");
    const summary = document.createElement("summary");
    summary.textContent = tour.title;
    const steps = document.createElement("ol");
    for (const step of tour.steps) {
      const item = document.createElement("li");
      item.textContent = step;
      steps.append(item);
    }
    details.append(summary, steps);
    list.append(details);
  }
}

async function send(id, text) {
  const phone = phones.get(id);
  phone.error.textContent = "";
  try {
    await api(`/_sandbox/chats/${id}/messages`, {text});
    return true;
  } catch (error) {
    phone.error.textContent = error.message;
    return false;
  }
}

async function press(id, messageId, data) {
  const phone = phones.get(id);
  phone.error.textContent = "";
  try {
    await api(`/_sandbox/chats/${id}/press`, {message_id: messageId, callback_data: data});
  } catch (error) {
    phone.error.textContent = error.message;
  }
}

function renderMessage(id, message) {
  const item = document.createElement("li");
  item.className = `msg ${message.from_bot ? "bot" : "me"}`;
  item.dataset.messageId = message.message_id;
  if (message.document) {
    const link = document.createElement("a");
    link.className = "document";
    link.href = `/_sandbox/chats/${id}/documents/${message.message_id}`;
    link.download = message.document;
    link.textContent = `📄 ${message.document}`;
    item.append(link, document.createElement("br"));
  }
  if (message.media) {
    const note = document.createElement("span");
    note.className = "note";
    note.textContent = `(${message.media})`;
    item.append(note);
  }
  item.append(document.createTextNode(message.text));
  if (message.edited || message.protected) {
    const note = document.createElement("span");
    note.className = "note";
    note.textContent = [message.edited && "edited", message.protected && "protected"]
      .filter(Boolean).join(" · ");
    item.append(note);
  }
  if (message.buttons.length) {
    const keyboard = document.createElement("div");
    keyboard.className = "keyboard";
    for (const row of message.buttons) {
      const line = document.createElement("div");
      line.className = "row";
      for (const button of row) {
        const element = document.createElement("button");
        element.type = "button";
        element.textContent = button.text;
        if (button.callback_data) {
          element.addEventListener(
            "click", () => press(id, message.message_id, button.callback_data));
        } else {
          element.disabled = true;
        }
        line.append(element);
      }
      keyboard.append(line);
    }
    item.append(keyboard);
  }
  return item;
}

async function refreshChat(id) {
  const phone = phones.get(id);
  const data = await api(`/_sandbox/chats/${id}`);
  const list = phone.list;
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const focused = document.activeElement;
  const keep = focused && list.contains(focused) ? focused.textContent : null;
  if (!data.messages.length) {
    const empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = "No messages yet. Type /help or open the menu.";
    list.replaceChildren(empty);
  } else {
    list.replaceChildren(...data.messages.map((m) => renderMessage(id, m)));
  }
  phone.notice.textContent = data.notice || "";  // the bot's answer to the latest press
  if (atBottom) list.scrollTop = list.scrollHeight;
  if (keep !== null) {  // keep the keyboard user's place after a redraw
    const same = [...list.querySelectorAll("button")].find((b) => b.textContent === keep);
    if (same) same.focus();
  }
}

async function refresh(event) {
  showClock(event.clock);
  if (event.generation !== seen.generation) {
    build(await api("/_sandbox/state"));
  } else if (event.revision === seen.revision) {
    return;
  } else {
    const state = await api("/_sandbox/state");
    for (const persona of state.personas) {
      showMenu(phones.get(persona.user_id).section, persona.user_id, persona.commands);
    }
  }
  seen = {generation: event.generation, revision: event.revision};
  await Promise.all([...phones.keys()].map(refreshChat));
}

let queue = Promise.resolve();
function onEvent(event) { queue = queue.then(() => refresh(event)).catch(() => {}); }

function poll() {
  setInterval(async () => {
    try { onEvent(await api("/_sandbox/state")); } catch (error) { say(error.message); }
  }, 1500);
}

function listen() {
  if (!window.EventSource) { poll(); return; }
  const source = new EventSource("/_sandbox/events");
  let failures = 0;
  source.onmessage = (message) => { failures = 0; onEvent(JSON.parse(message.data)); };
  source.onerror = () => {  // a proxy that buffers the stream: ask every second and a half
    failures += 1;
    if (failures >= 3) { source.close(); poll(); }
  };
}

for (const button of document.querySelectorAll("[data-move]")) {
  button.addEventListener("click", async () => {
    try {
      const data = await api("/_sandbox/clock", {move: button.dataset.move});
      showClock(data.clock);
      say(`Clock moved on to ${data.clock.shown}.`);
    } catch (error) { say(error.message); }
  });
}

document.getElementById("reset").addEventListener("click", async () => {
  say("Resetting the demo…");
  try {
    const data = await api("/_sandbox/reset", {});
    showClock(data.clock);
    say("Demo data restored; the clock is back at the start.");
  } catch (error) { say(error.message); }
});

api("/_sandbox/state").then((state) => {
  showClock(state.clock);
  onEvent(state);
  listen();
});
