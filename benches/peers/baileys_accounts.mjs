// The real Baileys client (npm baileys 7.0.0-rc14) as the peer of benches/bench_accounts.py: many
// sockets in one Node.js process, each an account of its own, against one wabus simulator.
//
//   node --expose-gc baileys_accounts.mjs <node_modules> <websocket url> <root public key hex> <count>
//
// <node_modules> holds baileys and pino (the interop tests install them there). The only change
// made to Baileys is the one the interop tests make: the trusted root of the server's
// certificate chain is the simulator's (WA_CERT_DETAILS), set at run time. Each socket's keys
// live in memory (a Map of its own), with Baileys' default options otherwise (its keepalive
// included).
//
// It writes one JSON object per line on stdout (kind: "qr" with the socket's index, "open",
// "counted", "collected", "error") and obeys JSON lines on stdin:
//   {"op": "start", "count": N}   start N more sockets (each pairs when its QR code is scanned);
//   {"op": "count", "prefix": "bench ", "target": N}
//       count from zero the messages.upsert messages, over every socket, whose decrypted text
//       starts with prefix, and say {"kind": "counted", "count": N} when N have arrived (it
//       says {"kind": "counting"} at once);
//   {"op": "gc"}   collect garbage (global.gc), then say {"kind": "collected"};
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

let stopped = false;
let counting = { prefix: null, target: 0, count: 0 };
const sockets = [];

function textOf(message) {
  if (!message) return null;
  return message.conversation ?? message.extendedTextMessage?.text ?? null;
}

// One account: its credentials and Signal keys in memory, reconnecting as Baileys asks.
function account(index) {
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
  const connect = () => {
    const sock = makeWASocket({ waWebSocketUrl: url, auth: { creds, keys }, logger });
    sockets[index] = sock;
    sock.ev.on('creds.update', (update) => Object.assign(creds, update));
    sock.ev.on('connection.update', ({ connection, qr, lastDisconnect }) => {
      if (qr) say({ kind: 'qr', index, qr });
      if (connection === 'open') say({ kind: 'open', index });
      if (connection === 'close' && !stopped) {
        const status = lastDisconnect?.error?.output?.statusCode ?? null;
        if (status === DisconnectReason.loggedOut) {
          say({ kind: 'error', index, error: 'logged out' });
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
        }
      }
    });
  };
  connect();
}

const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  const command = JSON.parse(line);
  try {
    if (command.op === 'start') {
      const first = sockets.length;
      for (let index = first; index < first + command.count; index += 1) account(index);
    } else if (command.op === 'count') {
      counting = { prefix: command.prefix, target: command.target, count: 0 };
      say({ kind: 'counting' });
    } else if (command.op === 'gc') {
      global.gc();
      say({ kind: 'collected' });
    } else if (command.op === 'quit') {
      stopped = true;
      for (const sock of sockets) sock?.end(undefined);
      process.exit(0);
    }
  } catch (error) {
    say({ kind: 'error', error: String(error?.stack ?? error) });
  }
});
commands.on('close', () => process.exit(0));
