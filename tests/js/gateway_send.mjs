// Send requests through the gateway with the real socket.io-client, as a bot's user would.
// Driven by tests/handlers/gateway/test_gateway_send.py:
//
//   node gateway_send.mjs URL TOKEN REQUESTS
//
// Connects to URL with auth {token}, then emits each request of REQUESTS (a JSON array; each
// item is the argument list of one emit('sendMessage', ...args, ack)), one after the other,
// printing each acknowledgement as a JSON line {"kind": "ack", "ack": ...}. Exits 0 after the
// last one; a refused connection prints its reason and exits 2.
import { io } from 'socket.io-client';

const [, , url, token, requestsArg] = process.argv;
const requests = JSON.parse(requestsArg);
const print = (record) => process.stdout.write(`${JSON.stringify(record)}\n`);

const socket = io(url, { auth: { token }, reconnection: false, timeout: 10000 });

socket.on('connect', async () => {
  print({ kind: 'connected' });
  for (const args of requests) {
    const ack = await socket.timeout(30000).emitWithAck('sendMessage', ...args);
    print({ kind: 'ack', ack });
  }
  socket.close();
  process.exit(0);
});

socket.on('connect_error', (err) => {
  print({ kind: 'refused', message: err.message });
  socket.close();
  process.exit(2);
});

setTimeout(() => {
  print({ kind: 'timeout' });
  process.exit(3);
}, 120000).unref();
