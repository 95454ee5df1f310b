// What the Baileys peers of the benchmarks share (baileys_accounts.mjs, baileys_e2e.mjs): loading
// Baileys from a node_modules folder with the simulator's trusted root, an auth state in memory,
// keeping a socket connected, counting the benchmark's messages, and the JSON-lines protocol
// with the Python side (records out on stdout, commands in on stdin; see benches/_support.py).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

// Write one record (a JSON object) on a line of its own on stdout.
export const say = (record) => process.stdout.write(`${JSON.stringify(record)}\n`);

// Baileys and a silent pino logger from <modules>. The only change made to Baileys is the one
// the interop tests make: the trusted root of the server's certificate chain is the
// simulator's (WA_CERT_DETAILS). stdout carries our JSON lines only, so console output goes to
// stderr (libsignal logs its session changes with console.log).
export async function loadBaileys(modules, rootHex) {
  const baileys = await import(pathToFileURL(join(modules, 'baileys/lib/index.js')).href);
  const pino = createRequire(join(modules, 'pino', 'package.json'))('pino');
  for (const name of ['log', 'info', 'warn', 'debug']) console[name] = console.error;
  baileys.WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(rootHex, 'hex');
  baileys.WA_CERT_DETAILS.SERIAL = 0;
  return { baileys, logger: pino({ level: 'silent' }) };
}

// An auth state in memory: fresh credentials, and the Signal keys by type and id in a Map.
export function memoryAuth(baileys) {
  const creds = baileys.initAuthCreds();
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
  return { creds, keys };
}

// Connect a socket and connect it again whenever it closes, as Baileys asks (at once on a
// restart request, after 200 ms otherwise), until callbacks.stopped() or a logout. It says
// "qr", "open" (with callbacks.opened(sock)'s fields) and, on a logout, "error"; every record
// also carries callbacks.fields. callbacks.onSocket(sock) is given each new socket, to keep it
// and listen to it.
export function keepConnected(baileys, options, callbacks) {
  const { fields = {}, opened = () => ({}), stopped, onSocket } = callbacks;
  const { default: makeWASocket, DisconnectReason } = baileys;
  const connect = () => {
    const sock = makeWASocket(options);
    onSocket(sock);
    sock.ev.on('creds.update', (update) => Object.assign(options.auth.creds, update));
    sock.ev.on('connection.update', ({ connection, qr, lastDisconnect }) => {
      if (qr) say({ kind: 'qr', ...fields, qr });
      if (connection === 'open') say({ kind: 'open', ...fields, ...opened(sock) });
      if (connection === 'close' && !stopped()) {
        const status = lastDisconnect?.error?.output?.statusCode ?? null;
        if (status === DisconnectReason.loggedOut) {
          say({ kind: 'error', ...fields, error: 'logged out' });
          return;
        }
        setTimeout(connect, status === DisconnectReason.restartRequired ? 0 : 200);
      }
    });
  };
  connect();
}

// A message's text (a plain or an extended text message), or null.
export function textOf(message) {
  if (!message) return null;
  return message.conversation ?? message.extendedTextMessage?.text ?? null;
}

// Counts the benchmark's messages: those whose text starts with a prefix, from zero, once
// start() is called; says {"kind": "counted", "count": N} when the target is reached.
export class PrefixCount {
  prefix = null;
  target = 0;
  count = 0;

  // The "count" command: {"prefix": ..., "target": N}; says {"kind": "counting"} at once.
  start({ prefix, target }) {
    this.prefix = prefix;
    this.target = target;
    this.count = 0;
    say({ kind: 'counting' });
  }

  // Whether `text` is one of the counted messages (counting it if so).
  take(text) {
    if (text === null || this.prefix === null || !text.startsWith(this.prefix)) return false;
    this.count += 1;
    if (this.count === this.target) say({ kind: 'counted', count: this.count });
    return true;
  }
}

// Obey the JSON-line commands on stdin: ops[command.op](command), awaited. A command that
// throws is reported as {"kind": "error", "error": ...}; after "quit" (its op, if any, run
// first) or at the end of stdin the process exits.
export function obey(ops) {
  const commands = createInterface({ input: process.stdin });
  commands.on('line', async (line) => {
    try {
      const command = JSON.parse(line);
      await ops[command.op]?.(command);
      if (command.op === 'quit') process.exit(0);
    } catch (error) {
      say({ kind: 'error', error: String(error?.stack ?? error) });
    }
  });
  commands.on('close', () => process.exit(0));
}
