// Times libsignal-node 6.0.0 (1:1) and Baileys 7.0.0-rc14's group cipher on the same work as
// benches/bench_signal.py: N encryptions on an established session, then N decryptions of
// them in order; the same for a sender key. Our code, driving their modules, with sessions
// and sender keys kept as live objects in memory (no serialisation: the peer's best case).
//
//   node signal_bench.mjs <node_modules> <count> <group count> <rounds>
//
// <node_modules> holds libsignal and baileys (the interop tests install them there).
//
// Output: {"node": version, "results": {name: best nanoseconds per operation}}.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [, , modules, countArg, groupCountArg, roundsArg] = process.argv;
const load = (path) => import(pathToFileURL(join(modules, path)).href);
const { default: libsignal } = await load('libsignal/index.js');
const { GroupCipher, GroupSessionBuilder, SenderKeyName, SenderKeyRecord } = await load(
  'baileys/lib/Signal/Group/index.js',
);
const { curve, keyhelper, ProtocolAddress, SessionBuilder, SessionCipher } = libsignal;
const count = Number(countArg);
const groupCount = Number(groupCountArg);
const rounds = Number(roundsArg);
console.log = console.info = console.warn = console.error = () => {};

function device() {
  const identity = curve.generateKeyPair();
  const signed = keyhelper.generateSignedPreKey(identity, 1);
  const sessions = new Map();
  return {
    identity,
    signed,
    storage: {
      loadSession: async (id) => sessions.get(id),
      storeSession: async (id, record) => sessions.set(id, record),
      isTrustedIdentity: () => true,
      loadPreKey: async () => undefined,
      removePreKey: async () => {},
      loadSignedPreKey: async () => signed.keyPair,
      getOurRegistrationId: async () => 1,
      getOurIdentity: async () => identity,
    },
  };
}

const alice = device();
const bob = device();
const toBob = new ProtocolAddress('2', 0);
const toAlice = new ProtocolAddress('1', 0);
await new SessionBuilder(alice.storage, toBob).initOutgoing({
  registrationId: 1,
  identityKey: bob.identity.pubKey,
  signedPreKey: { keyId: 1, publicKey: bob.signed.keyPair.pubKey, signature: bob.signed.signature },
});
const aliceCipher = new SessionCipher(alice.storage, toBob);
const bobCipher = new SessionCipher(bob.storage, toAlice);
const first = await aliceCipher.encrypt(Buffer.from('hello'));
await bobCipher.decryptPreKeyWhisperMessage(Buffer.from(first.body, 'binary'));
const back = await bobCipher.encrypt(Buffer.from('hi'));
await aliceCipher.decryptWhisperMessage(Buffer.from(back.body, 'binary'));

const plaintext = Buffer.alloc(100, 7);
const results = { 'encrypt msg': Infinity, 'decrypt msg': Infinity };
for (let r = 0; r < rounds; r++) {
  let start = process.hrtime.bigint();
  const bodies = [];
  for (let i = 0; i < count; i++) {
    bodies.push(Buffer.from((await aliceCipher.encrypt(plaintext)).body, 'binary'));
  }
  results['encrypt msg'] = Math.min(
    results['encrypt msg'],
    Number(process.hrtime.bigint() - start) / count,
  );
  start = process.hrtime.bigint();
  for (const body of bodies) await bobCipher.decryptWhisperMessage(body);
  results['decrypt msg'] = Math.min(
    results['decrypt msg'],
    Number(process.hrtime.bigint() - start) / count,
  );
}

const keys = new Map();
const store = {
  loadSenderKey: async (name) => keys.get(name.toString()) ?? new SenderKeyRecord(),
  storeSenderKey: async (name, record) => keys.set(name.toString(), record),
};
const memberKeys = new Map();
const memberStore = {
  loadSenderKey: async (name) => memberKeys.get(name.toString()) ?? new SenderKeyRecord(),
  storeSenderKey: async (name, record) => memberKeys.set(name.toString(), record),
};
const name = new SenderKeyName('1-2@g.us', toAlice);
const distribution = await new GroupSessionBuilder(store).create(name);
await new GroupSessionBuilder(memberStore).process(name, distribution);
const sender = new GroupCipher(store, name);
const member = new GroupCipher(memberStore, name);
results['encrypt skmsg'] = Infinity;
results['decrypt skmsg'] = Infinity;
for (let r = 0; r < rounds; r++) {
  let start = process.hrtime.bigint();
  const bodies = [];
  for (let i = 0; i < groupCount; i++) bodies.push(await sender.encrypt(plaintext));
  results['encrypt skmsg'] = Math.min(
    results['encrypt skmsg'],
    Number(process.hrtime.bigint() - start) / groupCount,
  );
  start = process.hrtime.bigint();
  for (const body of bodies) await member.decrypt(body);
  results['decrypt skmsg'] = Math.min(
    results['decrypt skmsg'],
    Number(process.hrtime.bigint() - start) / groupCount,
  );
}
process.stdout.write(JSON.stringify({ node: process.version, results }));
