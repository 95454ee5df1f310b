// A gateway client in JavaScript, with the real socket.io-client, as the gateway convention
// documents it. Driven by tests/handlers/gateway/test_gateway_js.py:
//
//   node gateway_client.mjs URL TOKEN UPSERTS
//
// Connects to URL (http://host:port/api/events) with auth {token}, subscribes to
// messages.upsert and connection.update (printing the acknowledgement), then prints one JSON
// line per event received, and exits 0 after UPSERTS messages.upsert events. A refused
// connection prints its reason and exits 2. Every line is JSON: {"kind": ..., ...}.
import { io } from 'socket.io-client';

const [, , url, token, upsertsArg] = process.argv;
const wanted = Number(upsertsArg);
const print = (record) => process.stdout.write(`${JSON.stringify(record)}\n`);

const socket = io(url, { auth: { token }, reconnection: false, timeout: 10000 });
let upserts = 0;

socket.on('connect', () => {
  print({ kind: 'connected', transport: socket.io.engine.transport.name });
  socket.emit('subscribe', ['messages.upsert', 'connection.update'], (ack) => {
    print({ kind: 'subscribed', ack });
  });
});

socket.on('connect_error', (err) => {
  print({ kind: 'refused', message: err.message });
  socket.close();
  process.exit(2);
});

socket.on('connection.update', (update) => {
  print({ kind: 'event', name: 'connection.update', connection: update.connection ?? null, update });
});

socket.on('messages.upsert', (data) => {
  const message = data.messages[0];
  upserts += 1;
  print({
    kind: 'event',
    name: 'messages.upsert',
    remoteJid: message.key.remoteJid,
    text: message.message?.conversation ?? null,
    type: data.type,
  });
  if (upserts >= wanted) {
    socket.close();
    process.exit(0);
  }
});

setTimeout(() => {
  print({ kind: 'timeout', upserts });
  process.exit(3);
}, 30000).unref();
