// The real Baileys client (npm baileys 7.0.0-rc14) as the receiver of benches/bench_e2e_signal.py:
// it connects to a wabus simulator, pairs, and counts the messages it decrypts.
//
//   node baileys_e2e.mjs <node_modules> <websocket url> <root public key hex>
//
// <node_modules> holds baileys and pino (the interop tests install them there). The only change
// made to Baileys is the one the interop tests make: the trusted root of the server's
// certificate chain is the simulator's (WA_CERT_DETAILS), set at run time. Its keys live in
// memory (a Map, no file writes), as the wabus client's do in the benchmark (MemoryStore): the
// two do the same work per message, with no disk in it.
//
// It writes one JSON object per line on stdout (kind: "qr", "open", "message" for every message
// that is not a benchmark message, "counted", "error") and obeys JSON lines on stdin:
//   {"op": "send", "to": jid, "text": "..."}   send a text message;
//   {"op": "count", "prefix": "bench ", "target": N}
//       count from zero the messages.upsert messages whose decrypted text starts with prefix,
//       and say {"kind": "counted", "count": N} when N have arrived (it says {"kind":
//       "counting"} at once, so that the stream starts only once it counts);
//   {"op": "quit"}.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const [, , modules, url, rootHex] = process.argv;
const baileys = await import(pathToFileURL(join(modules, 'baileys/lib/index.js')).href);
const pino = createRequire(join(modules, 'pino', 'package.json'))('pino');
const { default: makeWASocket, DisconnectReason, WA_CERT_DETAILS, initAuthCreds } = baileys;

// stdout carries our JSON lines only (libsignal logs its session changes with console.log).
for (const name of ['log', 'info', 'warn', 'debug']) console[name] = console.error;

WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(rootHex, 'hex');
WA_CERT_DETAILS.SERIAL = 0;

const logger = pino({ level: 'silent' });
const say = (record) => process.stdout.write(`${JSON.stringify(record)}\n`);

// An auth state in memory: the credentials, and the Signal keys by type and id.
const creds = initAuthCreds();
const stored = new Map();
const keys = {
  get: async (type, ids) => {
    const found = {};
    for (const id of ids) found[id] = stored.get(`${type}/${id}`);
    return found;
  },
  set: async (data) => {
    for (const type in data) {
      for (const id in data[type]) {
        const value = data[type][id];
        if (value) stored.set(`${type}/${id}`, value);
        else stored.delete(`${type}/${id}`);
      }
    }
  },
};

function textOf(message) {
  if (!message) return null;
  return message.conversation ?? message.extendedTextMessage?.text ?? null;
}

let socket = null;
let stopped = false;
let counting = { prefix: null, target: 0, count: 0 };

function connect() {
  const sock = makeWASocket({ waWebSocketUrl: url, auth: { creds, keys }, logger });
  socket = sock;
  sock.ev.on('creds.update', (update) => Object.assign(creds, update));
  sock.ev.on('connection.update', ({ connection, qr, lastDisconnect }) => {
    if (qr) say({ kind: 'qr', qr });
    if (connection === 'open') say({ kind: 'open', me: sock.user?.id ?? null });
    if (connection === 'close' && !stopped) {
      const status = lastDisconnect?.error?.output?.statusCode ?? null;
      if (status === DisconnectReason.loggedOut) {
        say({ kind: 'error', error: 'logged out' });
        return;
      }
      setTimeout(connect, status === DisconnectReason.restartRequired ? 0 : 200);
    }
  });
  sock.ev.on('messages.upsert', ({ messages }) => {
    for (const message of messages) {
      const text = textOf(message.message);
      if (text !== null && counting.prefix !== null && text.startsWith(counting.prefix)) {
        counting.count += 1;
        if (counting.count === counting.target) say({ kind: 'counted', count: counting.count });
      } else {
        say({ kind: 'message', id: message.key.id, text });
      }
    }
  });
}

const commands = createInterface({ input: process.stdin });
commands.on('line', async (line) => {
  const command = JSON.parse(line);
  try {
    if (command.op === 'send') {
      const sent = await socket.sendMessage(command.to, { text: command.text });
      say({ kind: 'sent', id: sent?.key?.id ?? null });
    } else if (command.op === 'count') {
      counting = { prefix: command.prefix, target: command.target, count: 0 };
      say({ kind: 'counting' });
    } else if (command.op === 'quit') {
      stopped = true;
      socket?.end(undefined);
      process.exit(0);
    }
  } catch (error) {
    say({ kind: 'error', error: String(error?.stack ?? error) });
  }
});
commands.on('close', () => process.exit(0));

connect();
