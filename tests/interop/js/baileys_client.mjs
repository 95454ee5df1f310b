// The real Baileys client (npm baileys 7.0.0-rc14), pointed at a wabus simulator.
//
// The only change made to Baileys is the one a test may make: the trusted root of the
// server's certificate chain is the simulator's (WA_CERT_DETAILS), set at run time. Every other
// setting is Baileys' default, timeouts included.
//
// Usage: node baileys_client.mjs <websocket url> <root public key hex> <auth folder>
//
// It writes one JSON object per line on stdout for what happens (kind: "qr", "connection",
// "message", "sent", "pair-code", "chats.update", "modified", "error", ...) and obeys JSON
// lines on stdin: {"op": "send", "to": jid, "text": "..."}, {"op": "pair-code", "phone":
// digits}, {"op": "groupCreate", "subject": "...", "participants": [jid]}, {"op":
// "groupSubject", "jid": group, "subject": "..."}, {"op": "sendContent", "to": jid, "content":
// {...sendMessage content...}, "quoted": {key, message} or null}, {"op": "modify", "mod":
// {...}, "jid": jid} (chatModify), {"op": "download", "id": id} (downloadMediaMessage of a
// received message: reports the bytes' sha256 and length, or "download-failed"),
// {"op": "sendMedia", "to": jid, "kind": "image"|"document"|..., "path": file, "caption",
// "mimetype", "fileName"} (sendMessage uploads the file to the media host media_conn names),
// {"op": "quit"}. Its media host trust comes from NODE_EXTRA_CA_CERTS. When the server closes the connection, it
// reconnects as a
// Baileys application would (at once after a restart request, after a short pause otherwise),
// and stops for good when logged out.

import { createHash } from "node:crypto";
import { createInterface } from "node:readline";
import makeWASocket, {
  DisconnectReason,
  WA_CERT_DETAILS,
  downloadMediaMessage,
  getContentType,
  useMultiFileAuthState,
} from "baileys";
import pino from "pino";

// stdout carries our JSON lines only: what the libraries print (libsignal logs its session
// changes with console.log) goes to stderr.
for (const name of ["log", "info", "warn", "debug"]) console[name] = console.error;

const [url, rootHex, authFolder] = process.argv.slice(2);
WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(rootHex, "hex");
WA_CERT_DETAILS.SERIAL = 0;

const logger = pino({ level: process.env.BAILEYS_LOG_LEVEL || "silent" }, pino.destination(2));
const say = (record) => process.stdout.write(`${JSON.stringify(record)}\n`);

function textOf(message) {
  if (!message) return null;
  return (
    message.conversation ??
    message.extendedTextMessage?.text ??
    message.imageMessage?.caption ??
    message.videoMessage?.caption ??
    message.documentMessage?.caption ??
    null
  );
}

let socket = null;
let stopped = false;
const received = new Map(); // id -> the message as Baileys got it (for updateMediaMessage)
let connections = 0;

async function connect() {
  const { state, saveCreds } = await useMultiFileAuthState(authFolder);
  connections += 1;
  const sock = makeWASocket({ waWebSocketUrl: url, auth: state, logger });
  socket = sock;
  sock.ev.on("creds.update", saveCreds);
  sock.ev.on("connection.update", (update) => {
    const { connection, qr, lastDisconnect, isNewLogin, receivedPendingNotifications } = update;
    if (qr) say({ kind: "qr", qr });
    if (isNewLogin) say({ kind: "paired", me: state.creds.me?.id ?? null });
    if (receivedPendingNotifications) say({ kind: "offline-done" });
    if (connection === "open") {
      say({ kind: "connection", connection, me: sock.user?.id ?? null, connections });
    }
    if (connection === "close") {
      const status = lastDisconnect?.error?.output?.statusCode ?? null;
      const reason = lastDisconnect?.error?.message ?? null;
      say({ kind: "connection", connection, status, reason, connections });
      if (stopped) return;
      if (status === DisconnectReason.loggedOut) {
        say({ kind: "logged-out" });
        return;
      }
      const delay = status === DisconnectReason.restartRequired ? 0 : 200;
      setTimeout(() => {
        connect().catch((error) => say({ kind: "error", error: String(error) }));
      }, delay);
    }
  });
  sock.ev.on("messages.upsert", ({ messages, type }) => {
    for (const message of messages) {
      if (message.key.id) received.set(message.key.id, message);
      say({
        kind: "message",
        type,
        id: message.key.id,
        chat: message.key.remoteJid,
        fromMe: Boolean(message.key.fromMe),
        participant: message.key.participant ?? null,
        text: textOf(message.message),
        content: message.message ? getContentType(message.message) ?? null : null,
        quoted: message.message?.extendedTextMessage?.contextInfo?.stanzaId ?? null,
        reaction: message.message?.reactionMessage
          ? { text: message.message.reactionMessage.text, id: message.message.reactionMessage.key?.id }
          : null,
        protocol: message.message?.protocolMessage
          ? {
              type: message.message.protocolMessage.type,
              id: message.message.protocolMessage.key?.id ?? null,
              edited: textOf(message.message.protocolMessage.editedMessage),
            }
          : null,
        stub: message.messageStubType ?? null,
        stubParameters: message.messageStubParameters ?? null,
      });
    }
  });
  sock.ev.on("messaging-history.set", ({ chats, contacts, messages, syncType }) => {
    say({
      kind: "history",
      syncType: syncType ?? null,
      chats: chats.length,
      contacts: contacts.length,
      messages: messages.length,
    });
  });
  sock.ev.on("chats.update", (updates) => say({ kind: "chats.update", updates }));
}

const commands = createInterface({ input: process.stdin });
commands.on("line", async (line) => {
  let command;
  try {
    command = JSON.parse(line);
  } catch (error) {
    say({ kind: "error", error: `not JSON: ${line}` });
    return;
  }
  try {
    if (command.op === "send") {
      const sent = await socket.sendMessage(command.to, { text: command.text });
      say({ kind: "sent", id: sent?.key?.id ?? null, to: command.to });
    } else if (command.op === "pair-code") {
      const code = await socket.requestPairingCode(command.phone, command.code);
      say({ kind: "pair-code", code });
    } else if (command.op === "sendContent") {
      const options = command.quoted ? { quoted: command.quoted } : undefined;
      const sent = await socket.sendMessage(command.to, command.content, options);
      say({ kind: "sent", id: sent?.key?.id ?? null, to: command.to });
    } else if (command.op === "groupCreate") {
      const group = await socket.groupCreate(command.subject, command.participants);
      say({ kind: "group-created", id: group.id, subject: group.subject });
    } else if (command.op === "groupSubject") {
      await socket.groupUpdateSubject(command.jid, command.subject);
      say({ kind: "group-subject", jid: command.jid });
    } else if (command.op === "modify") {
      await socket.chatModify(command.mod, command.jid);
      say({ kind: "modified", jid: command.jid });
    } else if (command.op === "updateMedia") {
      const message = received.get(command.id);
      if (!message) throw new Error(`no message ${command.id}`);
      try {
        const updated = await socket.updateMediaMessage(message);
        const content = updated.message?.imageMessage ?? updated.message?.documentMessage;
        say({ kind: "media-updated", id: command.id, directPath: content?.directPath ?? null });
      } catch (error) {
        say({
          kind: "media-update-failed",
          id: command.id,
          status: error?.output?.statusCode ?? null,
          error: String(error?.message ?? error),
        });
      }
    } else if (command.op === "download") {
      const message = received.get(command.id);
      if (!message) throw new Error(`no message ${command.id}`);
      try {
        const data = await downloadMediaMessage(message, "buffer", {}, {
          logger,
          reuploadRequest: (m) => socket.updateMediaMessage(m),
        });
        const sha256 = createHash("sha256").update(data).digest("hex");
        say({ kind: "downloaded", id: command.id, sha256, length: data.length });
      } catch (error) {
        say({ kind: "download-failed", id: command.id, error: String(error?.stack ?? error) });
      }
    } else if (command.op === "sendMedia") {
      const content = { [command.kind]: { url: command.path } };
      if (command.caption) content.caption = command.caption;
      if (command.mimetype) content.mimetype = command.mimetype;
      if (command.fileName) content.fileName = command.fileName;
      const sent = await socket.sendMessage(command.to, content);
      const part = sent?.message?.[`${command.kind}Message`];
      say({
        kind: "sent",
        id: sent?.key?.id ?? null,
        to: command.to,
        url: part?.url ?? null,
        directPath: part?.directPath ?? null,
      });
    } else if (command.op === "quit") {
      stopped = true;
      socket?.end(undefined);
      process.exit(0);
    } else {
      say({ kind: "error", error: `unknown op ${command.op}` });
    }
  } catch (error) {
    say({ kind: "error", op: command.op, error: String(error?.stack ?? error) });
  }
});
commands.on("close", () => {
  stopped = true;
  process.exit(0);
});

connect().catch((error) => say({ kind: "error", error: String(error?.stack ?? error) }));
