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

let socket = null;
let stopped = false;
const counting = new PrefixCount();

obey({
  send: async ({ to, text }) => {
    const sent = await socket.sendMessage(to, { text });
    say({ kind: 'sent', id: sent?.key?.id ?? null });
  },
  count: (command) => counting.start(command),
  quit: () => {
    stopped = true;
    socket?.end(undefined);
  },
});

keepConnected(
  baileys,
  { waWebSocketUrl: url, auth: memoryAuth(baileys), logger },
  {
    opened: (sock) => ({ me: sock.user?.id ?? null }),
    stopped: () => stopped,
    onSocket: (sock) => {
      socket = sock;
      sock.ev.on('messages.upsert', ({ messages }) => {
        for (const message of messages) {
          const text = textOf(message.message);
          if (!counting.take(text)) say({ kind: 'message', id: message.key.id, text });
        }
      });
    },
  },
);
