// A Signal peer in JavaScript, for wabus's interop tests (tests/interop/test_signal_js.py).
//
//   node signal_peer.mjs
//
// One device: libsignal-node 6.0.0 for 1:1 sessions, Baileys 7.0.0-rc14's lib/Signal/Group
// for sender keys, both over an in-memory store. It reads one JSON request per line on stdin
// and writes one JSON reply per line on stdout: {"ok": true, ...} or {"ok": false, "error":
// "..."}. Bytes travel as base64. Requests ({"op": ..., ...}):
//
//   identity                          -> {identityKey (33), registrationId, signedPreKey
//                                         {keyId, publicKey (33), signature}, preKeys [{keyId,
//                                         publicKey (33)}]}
//   hasPreKey {keyId}                 -> {present}
//   startSession {address, bundle}    -> {}   (bundle: the identity reply's shape, one preKey
//                                              or none)
//   encrypt {address, plaintext}      -> {type: "pkmsg"|"msg", body}
//   decrypt {address, type, body}     -> {plaintext}
//   sign {message, privateKey?}       -> {signature, publicKey (33)}   (identity key if no
//                                         private key is given)
//   verify {publicKey, message, signature} -> {valid}   (the real check, not isInit)
//   groupCreate {name}                -> {distribution}  (name: "group::user::device")
//   groupProcess {name, distribution} -> {}
//   groupEncrypt {name, plaintext}    -> {body}
//   groupDecrypt {name, body}         -> {plaintext}
import { createInterface } from 'node:readline';
import libsignal from 'libsignal';
import {
  GroupCipher,
  GroupSessionBuilder,
  SenderKeyDistributionMessage,
  SenderKeyName,
  SenderKeyRecord,
} from 'baileys/lib/Signal/Group/index.js';

const { curve, keyhelper, ProtocolAddress, SessionBuilder, SessionCipher, SessionRecord } =
  libsignal;

const b64 = (buffer) => Buffer.from(buffer).toString('base64');
const bytes = (text) => Buffer.from(text, 'base64');

const identityKey = curve.generateKeyPair();
const registrationId = keyhelper.generateRegistrationId();
const signedPreKey = keyhelper.generateSignedPreKey(identityKey, 1);
const preKeys = new Map();
for (let keyId = 1; keyId <= 8; keyId += 1) {
  preKeys.set(keyId, keyhelper.generatePreKey(keyId).keyPair);
}
const sessions = new Map(); // address -> serialized record (as Baileys keeps them)
const senderKeys = new Map(); // sender-key name -> SenderKeyRecord

const storage = {
  loadSession: async (id) =>
    sessions.has(id) ? SessionRecord.deserialize(sessions.get(id)) : undefined,
  storeSession: async (id, record) => {
    sessions.set(id, record.serialize());
  },
  isTrustedIdentity: () => true,
  loadPreKey: async (keyId) => preKeys.get(Number(keyId)),
  removePreKey: async (keyId) => {
    preKeys.delete(Number(keyId));
  },
  loadSignedPreKey: async () => signedPreKey.keyPair,
  getOurRegistrationId: async () => registrationId,
  getOurIdentity: async () => identityKey,
};

const senderKeyStore = {
  loadSenderKey: async (name) => senderKeys.get(name.toString()) ?? new SenderKeyRecord(),
  storeSenderKey: async (name, record) => {
    senderKeys.set(name.toString(), record);
  },
};

function address(text) {
  const dot = text.lastIndexOf('.');
  return new ProtocolAddress(text.slice(0, dot), Number(text.slice(dot + 1)));
}

function senderKeyName(text) {
  const [group, user, device] = text.split('::');
  return new SenderKeyName(group, new ProtocolAddress(user, Number(device)));
}

const handlers = {
  identity: async () => ({
    identityKey: b64(identityKey.pubKey),
    registrationId,
    signedPreKey: {
      keyId: signedPreKey.keyId,
      publicKey: b64(signedPreKey.keyPair.pubKey),
      signature: b64(signedPreKey.signature),
    },
    preKeys: [...preKeys].map(([keyId, pair]) => ({ keyId, publicKey: b64(pair.pubKey) })),
  }),
  hasPreKey: async ({ keyId }) => ({ present: preKeys.has(keyId) }),
  startSession: async ({ address: to, bundle }) => {
    const device = {
      registrationId: bundle.registrationId,
      identityKey: bytes(bundle.identityKey),
      signedPreKey: {
        keyId: bundle.signedPreKey.keyId,
        publicKey: bytes(bundle.signedPreKey.publicKey),
        signature: bytes(bundle.signedPreKey.signature),
      },
    };
    if (bundle.preKey) {
      device.preKey = { keyId: bundle.preKey.keyId, publicKey: bytes(bundle.preKey.publicKey) };
    }
    await new SessionBuilder(storage, address(to)).initOutgoing(device);
    return {};
  },
  encrypt: async ({ address: to, plaintext }) => {
    const { type, body } = await new SessionCipher(storage, address(to)).encrypt(
      bytes(plaintext),
    );
    return { type: type === 3 ? 'pkmsg' : 'msg', body: b64(Buffer.from(body, 'binary')) };
  },
  decrypt: async ({ address: from, type, body }) => {
    const cipher = new SessionCipher(storage, address(from));
    const plaintext =
      type === 'pkmsg'
        ? await cipher.decryptPreKeyWhisperMessage(bytes(body))
        : await cipher.decryptWhisperMessage(bytes(body));
    return { plaintext: b64(plaintext) };
  },
  sign: async ({ message, privateKey }) => {
    const pair = privateKey
      ? { privKey: bytes(privateKey), pubKey: curve.getPublicFromPrivateKey(bytes(privateKey)) }
      : identityKey;
    return {
      signature: b64(curve.calculateSignature(pair.privKey, bytes(message))),
      publicKey: b64(pair.pubKey),
    };
  },
  verify: async ({ publicKey, message, signature }) => ({
    valid: curve.verifySignature(bytes(publicKey), bytes(message), bytes(signature), false),
  }),
  groupCreate: async ({ name }) => {
    const distribution = await new GroupSessionBuilder(senderKeyStore).create(
      senderKeyName(name),
    );
    return { distribution: b64(distribution.serialize()) };
  },
  groupProcess: async ({ name, distribution }) => {
    const message = new SenderKeyDistributionMessage(null, null, null, null, bytes(distribution));
    await new GroupSessionBuilder(senderKeyStore).process(senderKeyName(name), message);
    return {};
  },
  groupEncrypt: async ({ name, plaintext }) => ({
    body: b64(await new GroupCipher(senderKeyStore, senderKeyName(name)).encrypt(bytes(plaintext))),
  }),
  groupDecrypt: async ({ name, body }) => ({
    plaintext: b64(await new GroupCipher(senderKeyStore, senderKeyName(name)).decrypt(bytes(body))),
  }),
};

// libsignal-node logs to the console; keep stdout for the JSON replies only.
console.log = console.info = console.warn = console.error = () => {};

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  let reply;
  try {
    const request = JSON.parse(line);
    const handler = handlers[request.op];
    if (!handler) {
      throw new Error(`unknown op ${request.op}`);
    }
    reply = { ok: true, ...(await handler(request)) };
  } catch (err) {
    reply = { ok: false, error: String(err?.message ?? err), name: err?.name ?? null };
  }
  process.stdout.write(`${JSON.stringify(reply)}\n`);
}
