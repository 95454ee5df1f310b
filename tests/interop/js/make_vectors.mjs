// Known-answer vectors from libsignal-node 6.0.0 and Baileys 7.0.0-rc14's group cipher, made
// deterministic by handing libsignal fixed key pairs instead of fresh ones. Writes JSON to
// stdout; tests/vectors/signal_libsignal_node.json is its output:
//
//   node make_vectors.mjs > ../../vectors/signal_libsignal_node.json
//
// Every private key is SHA-256("wabus signal vector " + its name). The 1:1 part: Alice starts
// a session from Bob's bundle (one-time prekey 7, signed prekey 3) and sends two pkmsgs; Bob
// answers with a msg; Alice sends a msg. The group part: a sender key (id 1234, iteration 0)
// and three group messages (Baileys' sender: iterations 0, 2, 4).
import crypto from 'node:crypto';
import libsignal from 'libsignal';
import curve from 'libsignal/src/curve.js';
import { GroupCipher, SenderKeyName, SenderKeyRecord } from 'baileys/lib/Signal/Group/index.js';

const { ProtocolAddress, SessionBuilder, SessionCipher, SessionRecord } = libsignal;
const hex = (buffer) => Buffer.from(buffer).toString('hex');
const privateKey = (name) =>
  crypto.createHash('sha256').update(`wabus signal vector ${name}`).digest();
const pair = (name) => {
  const privKey = privateKey(name);
  return { privKey, pubKey: curve.getPublicFromPrivateKey(privKey) };
};

// libsignal asks curve.generateKeyPair for the base key and every ratchet key: hand it these.
const queue = ['alice base', 'alice ratchet 0', 'bob ratchet 1', 'alice ratchet 2'];
const drawn = [];
curve.generateKeyPair = () => {
  const name = queue.shift();
  drawn.push(name);
  return pair(name);
};
console.log = console.info = console.warn = console.error = () => {};

function device(name, registrationId, extra) {
  const sessions = new Map();
  const identity = pair(`${name} identity`);
  return {
    identity,
    registrationId,
    storage: {
      loadSession: async (id) =>
        sessions.has(id) ? SessionRecord.deserialize(sessions.get(id)) : undefined,
      storeSession: async (id, record) => sessions.set(id, record.serialize()),
      isTrustedIdentity: () => true,
      loadPreKey: async (id) => extra.preKeys?.[id],
      removePreKey: async () => {},
      loadSignedPreKey: async () => extra.signedPreKey,
      getOurRegistrationId: async () => registrationId,
      getOurIdentity: async () => identity,
    },
  };
}

const bobSigned = pair('bob signed prekey');
const bobOneTime = pair('bob prekey');
const alice = device('alice', 1111, {});
const bob = device('bob', 2222, { preKeys: { 7: bobOneTime }, signedPreKey: bobSigned });
const bobSignature = curve.calculateSignature(bob.identity.privKey, bobSigned.pubKey);
const toBob = new ProtocolAddress('2222', 0);
const toAlice = new ProtocolAddress('1111', 0);

await new SessionBuilder(alice.storage, toBob).initOutgoing({
  registrationId: bob.registrationId,
  identityKey: bob.identity.pubKey,
  signedPreKey: { keyId: 3, publicKey: bobSigned.pubKey, signature: bobSignature },
  preKey: { keyId: 7, publicKey: bobOneTime.pubKey },
});
const aliceCipher = new SessionCipher(alice.storage, toBob);
const bobCipher = new SessionCipher(bob.storage, toAlice);
const text = (words) => Buffer.from(words);
const messages = [];
const send = async (from, cipher, plaintext) => {
  const { type, body } = await cipher.encrypt(text(plaintext));
  const bytes = Buffer.from(body, 'binary');
  messages.push({ from, type: type === 3 ? 'pkmsg' : 'msg', plaintext, body: hex(bytes) });
  return { type, bytes };
};
const first = await send('alice', aliceCipher, 'hello bob');
const second = await send('alice', aliceCipher, 'are you there');
await bobCipher.decryptPreKeyWhisperMessage(first.bytes);
await bobCipher.decryptPreKeyWhisperMessage(second.bytes);
const reply = await send('bob', bobCipher, 'hello alice');
await aliceCipher.decryptWhisperMessage(reply.bytes);
const after = await send('alice', aliceCipher, 'good');
await bobCipher.decryptWhisperMessage(after.bytes);

// Groups: a sender key with fixed parts, three messages.
const senderKeys = new Map();
const store = {
  loadSenderKey: async (name) => senderKeys.get(name.toString()) ?? new SenderKeyRecord(),
  storeSenderKey: async (name, record) => senderKeys.set(name.toString(), record),
};
const groupName = new SenderKeyName('120363000000000009@g.us', toAlice);
const signing = pair('alice sender signing key');
const chainKey = privateKey('alice sender chain key');
const record = new SenderKeyRecord();
record.setSenderKeyState(1234, 0, chainKey, { public: signing.pubKey, private: signing.privKey });
await store.storeSenderKey(groupName, record);
const groupCipher = new GroupCipher(store, groupName);
const groupMessages = [];
for (const plaintext of ['one', 'two', 'three']) {
  groupMessages.push({ plaintext, body: hex(await groupCipher.encrypt(text(plaintext))) });
}

const keys = {};
for (const name of [
  'alice identity',
  'bob identity',
  'bob signed prekey',
  'bob prekey',
  ...drawn,
  'alice sender signing key',
]) {
  const { privKey, pubKey } = pair(name);
  keys[name] = { private: hex(privKey), public: hex(pubKey.subarray(1)) };
}
process.stdout.write(
  `${JSON.stringify(
    {
      source: 'libsignal 6.0.0 and baileys 7.0.0-rc14 (tests/interop/js/make_vectors.mjs)',
      keys,
      alice: { registrationId: alice.registrationId },
      bob: {
        registrationId: bob.registrationId,
        signedPreKeyId: 3,
        signedPreKeySignature: hex(bobSignature),
        preKeyId: 7,
      },
      messages,
      group: {
        name: groupName.toString(),
        keyId: 1234,
        chainKey: hex(chainKey),
        messages: groupMessages,
      },
    },
    null,
    2,
  )}\n`,
);
