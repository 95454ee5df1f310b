// Media retry with Baileys' own functions (lib/Utils/messages-media.js): its request for a
// message, and its reading of a mediaretry notification.
// Reads one JSON object from stdin: { mediaKey (base64), key: { id, remoteJid, fromMe,
// participant }, meId, notifications: [node...] } where a node is { tag, attrs, content } and
// content is a list of nodes or { b64 }; writes { retryKey, request, answers } to stdout.
import { hkdf } from 'baileys/lib/Utils/crypto.js';
import {
  decodeMediaRetryNode,
  decryptMediaRetryData,
  encryptMediaRetryRequest,
  getStatusCodeForMediaRetry,
} from 'baileys/lib/Utils/messages-media.js';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString());
const mediaKey = Buffer.from(request.mediaKey, 'base64');
const b64 = (data) => Buffer.from(data).toString('base64');
const toNode = (json) => ({
  tag: json.tag,
  attrs: json.attrs,
  content: Array.isArray(json.content)
    ? json.content.map(toNode)
    : json.content
      ? Buffer.from(json.content.b64, 'base64')
      : undefined,
});
const fromNode = (node) => ({
  tag: node.tag,
  attrs: Object.fromEntries(Object.entries(node.attrs).filter(([, v]) => v !== undefined)),
  content: Array.isArray(node.content)
    ? node.content.map(fromNode)
    : node.content
      ? { b64: b64(node.content) }
      : null,
});

const retryKey = b64(hkdf(mediaKey, 32, { info: 'WhatsApp Media Retry Notification' }));
const built = fromNode(encryptMediaRetryRequest(request.key, mediaKey, request.meId));
const answers = request.notifications.map((json) => {
  const event = decodeMediaRetryNode(toNode(json));
  if (event.error) {
    return { key: event.key, error: event.error.output.statusCode };
  }
  try {
    const data = decryptMediaRetryData(event.media, mediaKey, event.key.id);
    return {
      key: event.key,
      stanzaId: data.stanzaId,
      directPath: data.directPath,
      result: data.result,
      status: getStatusCodeForMediaRetry(data.result),
    };
  } catch (err) {
    return { key: event.key, decryptError: String(err) };
  }
});
process.stdout.write(JSON.stringify({ retryKey, request: built, answers }));
