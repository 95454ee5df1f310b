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
import {
  PrefixCount,
  keepConnected,
  loadBaileys,
  memoryAuth,
  obey,
  say,
  textOf,
} from './_lines.mjs';

const [, , modules, url, rootHex] = process.argv;
const { baileys, logger } = await loadBaileys(modules, rootHex);

let stopped = false;
const counting = new PrefixCount();
const sockets = [];

// One account: its credentials and Signal keys in memory, reconnecting as Baileys asks.
function account(index) {
  keepConnected(
    baileys,
    { waWebSocketUrl: url, auth: memoryAuth(baileys), logger },
    {
      fields: { index },
      stopped: () => stopped,
      onSocket: (sock) => {
        sockets[index] = sock;
        sock.ev.on('messages.upsert', ({ messages }) => {
          for (const message of messages) counting.take(textOf(message.message));
        });
      },
    },
  );
}

obey({
  start: ({ count }) => {
    const first = sockets.length;
    for (let index = first; index < first + count; index += 1) account(index);
  },
  count: (command) => counting.start(command),
  gc: () => {
    global.gc();
    say({ kind: 'collected' });
  },
  quit: () => {
    stopped = true;
    for (const sock of sockets) sock?.end(undefined);
  },
});
