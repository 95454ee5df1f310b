// The wabus gateway's page: the pairing QR code, the connection state and a tail of events.
//
// It speaks socket.io itself, over a plain WebSocket (engine.io protocol 4, socket.io
// protocol 5, text packets only: the gateway sends JSON), to the namespace "/", which serves
// the same API as /api/events. The token travels in the page's HttpOnly cookie, so this
// script never sees it.
"use strict";

const CONFIG = JSON.parse(document.getElementById("gateway-config").textContent);
const MAX_ROWS = 500; // events kept in the tail

// engine.io packet types (as text): open, close, ping, pong, message.
const EIO_OPEN = "0", EIO_CLOSE = "1", EIO_PING = "2", EIO_PONG = "3", EIO_MESSAGE = "4";
// socket.io packet types.
const SIO_CONNECT = "0", SIO_DISCONNECT = "1", SIO_EVENT = "2", SIO_ACK = "3";
const SIO_CONNECT_ERROR = "4";

/** A minimal socket.io client for namespace "/": connect, emit with acks, receive events. */
class GatewaySocket {
  constructor(handlers) {
    this.handlers = handlers; // {onConnect, onEvent, onStatus}
    this.acks = new Map();
    this.nextAck = 0;
    this.retry = 500;
    this.ws = null;
  }

  open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/socket.io/?EIO=4&transport=websocket`);
    this.ws = ws;
    this.handlers.onStatus("connecting");
    ws.onmessage = (message) => {
      if (typeof message.data === "string") this.receive(message.data);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.acks.clear();
      this.handlers.onStatus("offline");
      setTimeout(() => this.open(), this.retry);
      this.retry = Math.min(this.retry * 2, 10000);
    };
  }

  receive(text) {
    switch (text[0]) {
      case EIO_OPEN:
        this.ws.send(EIO_MESSAGE + SIO_CONNECT); // join "/"; the cookie authenticates
        break;
      case EIO_PING:
        this.ws.send(EIO_PONG);
        break;
      case EIO_MESSAGE:
        this.packet(text.slice(1));
        break;
      case EIO_CLOSE:
        this.ws.close();
        break;
      default:
        break; // noop, upgrade: not used over a WebSocket
    }
  }

  packet(text) {
    const type = text[0];
    let rest = text.slice(1);
    if (rest[0] === "/") { // another namespace's packet: not ours
      return;
    }
    let id = "";
    while (rest.length && rest[0] >= "0" && rest[0] <= "9") {
      id += rest[0];
      rest = rest.slice(1);
    }
    const data = rest ? JSON.parse(rest) : null;
    if (type === SIO_CONNECT) {
      this.retry = 500;
      this.handlers.onStatus("connected");
      this.handlers.onConnect();
    } else if (type === SIO_EVENT && Array.isArray(data)) {
      this.handlers.onEvent(data[0], data[1]);
    } else if (type === SIO_ACK && id) {
      const ack = this.acks.get(id);
      this.acks.delete(id);
      if (ack) ack(...(data || []));
    } else if (type === SIO_CONNECT_ERROR) {
      this.handlers.onStatus(`refused: ${data && data.message}`);
    } else if (type === SIO_DISCONNECT) {
      this.handlers.onStatus("disconnected by the gateway");
    }
  }

  emit(name, args, ack) {
    if (!this.ws) return;
    let id = "";
    if (ack) {
      id = String(this.nextAck++);
      this.acks.set(id, ack);
    }
    this.ws.send(EIO_MESSAGE + SIO_EVENT + id + JSON.stringify([name, ...args]));
  }
}

// The page -----------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);
const view = {
  connection: {}, // Baileys' ConnectionState, merged as updates arrive
  qrShown: 0,
  total: 0,
};

function showConnection(update) {
  if (update.connection === "connecting") view.connection = {};
  Object.assign(view.connection, update);
  const state = view.connection.connection || "unknown";
  const badge = $("connection");
  badge.textContent = state;
  badge.dataset.state = state;
  if (state === "open" || state === "close" || ("qr" in update && update.qr === null)) {
    hidePairing(state === "open" ? "Paired: the account is connected." : undefined);
  }
}

function hidePairing(note) {
  $("qr").hidden = true;
  $("qr").removeAttribute("src");
  $("pairing-code").hidden = true;
  $("pairing-note").textContent = note || "Nothing to scan: no pairing is waiting.";
}

function showQr(data) {
  const img = $("qr");
  img.dataset.code = data.qr;
  img.src = `/qr.svg?n=${++view.qrShown}`; // the gateway draws the code on show now
  img.hidden = false;
  const seconds = Math.round((data.timeout || 0) / 1000);
  $("pairing-note").textContent =
    `Scan with WhatsApp (Linked devices, Link a device). The code changes in ${seconds} s.`;
}

function showPairingCode(data) {
  const code = String(data.code || data.pairingCode || "");
  const box = $("pairing-code");
  box.textContent = code.length === 8 ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
  box.hidden = false;
  $("pairing-note").textContent =
    "Type this code on the phone (Linked devices, Link with phone number instead).";
}

function showAccount(data) {
  if (!data || !data.me) return;
  const account = $("account");
  account.textContent = `Account: ${data.me.id}${data.me.name ? ` (${data.me.name})` : ""}`;
  account.hidden = false;
}

function summary(data) {
  const text = JSON.stringify(data);
  return text === undefined ? "" : text.length > 400 ? `${text.slice(0, 400)}…` : text;
}

function addRow(name, data) {
  const row = document.createElement("li");
  row.dataset.kind = name;
  const time = document.createElement("time");
  const now = new Date();
  time.dateTime = now.toISOString();
  time.textContent = now.toLocaleTimeString();
  const kind = document.createElement("span");
  kind.className = "kind";
  kind.textContent = name;
  const body = document.createElement("span");
  body.className = "data";
  body.textContent = summary(data);
  body.title = body.textContent;
  row.append(time, kind, body);
  row.hidden = !matches(name);
  const list = $("events");
  list.prepend(row);
  while (list.children.length > MAX_ROWS) list.lastElementChild.remove();
  view.total += 1;
  $("counts").textContent = `${view.total} event${view.total === 1 ? "" : "s"}`;
}

function matches(name) {
  const wanted = $("kind").value;
  return !wanted || wanted === name;
}

function applyFilter() {
  for (const row of $("events").children) row.hidden = !matches(row.dataset.kind);
}

function onEvent(name, data) {
  if (name === "connection.update") showConnection(data || {});
  else if (name === "auth.qr") showQr(data || {});
  else if (name === "auth.pairing-code") showPairingCode(data || {});
  else if (name === "creds.update") showAccount(data);
  addRow(name, data);
}

function setSocket(state) {
  const socket = $("socket");
  socket.textContent = `gateway: ${state}`;
  socket.dataset.state = state;
}

function main() {
  const kinds = $("kind");
  for (const name of CONFIG.events) {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = name;
    kinds.append(option);
  }
  kinds.addEventListener("change", applyFilter);
  $("clear").addEventListener("click", () => {
    $("events").replaceChildren();
    view.total = 0;
    $("counts").textContent = "0 events";
  });
  const socket = new GatewaySocket({
    onStatus: setSocket,
    onEvent,
    onConnect: () =>
      socket.emit("subscribe", [CONFIG.events], (answer) => {
        setSocket(answer && answer.ok ? "subscribed" : `subscribe failed: ${summary(answer)}`);
      }),
  });
  socket.open();
}

main();
