// Known-answer vectors for app-state sync (syncd) from Baileys 7.0.0-rc14's own functions.
// Writes JSON to stdout; tests/vectors/appstate_baileys.json is its output:
//
//   node make_appstate_vectors.mjs > ../../vectors/appstate_baileys.json
//
// Every input is SHA-256 of a name ("wabus appstate vector " + name), so the expansion and
// LTHash answers are fixed. The patches come from encodeSyncdPatch, which draws its IV at
// random: each run writes other patch bytes (tests/interop/test_appstate_js.py checks the
// expansion and LTHash part against a fresh run; the patches are checked by wabus re-encoding
// them with their own IV to the same bytes).
import crypto from 'node:crypto';
import { LTHashAntiTampering, expandAppStateKeys } from 'whatsapp-rust-bridge';
import { proto } from 'baileys/WAProto/index.js';
import { encodeSyncdPatch, newLTHashState } from 'baileys/lib/Utils/chat-utils.js';

const hex = (buffer) => Buffer.from(buffer).toString('hex');
const fixed = (name, size = 32) =>
  crypto.createHash('sha256').update(`wabus appstate vector ${name}`).digest().subarray(0, size);
const stateJson = (state) => ({
  version: state.version,
  hash: hex(state.hash),
  values: Object.fromEntries(
    Object.entries(state.indexValueMap).map(([k, v]) => [hex(Buffer.from(k, 'base64')), hex(v.valueMac)]),
  ),
});

const names = ['indexKey', 'valueEncryptionKey', 'valueMacKey', 'snapshotMacKey', 'patchMacKey'];
const expansions = ['key a', 'key b', 'key c'].map((name) => {
  const keyData = fixed(name);
  const keys = expandAppStateKeys(keyData);
  return { keyData: hex(keyData), ...Object.fromEntries(names.map((n) => [n, hex(keys[n])])) };
});

const lthash = new LTHashAntiTampering();
const lthashes = [0, 1, 3, 8].map((count) => {
  const base = fixed(`base ${count}`, 32);
  const start = Buffer.concat([base, base, base, base]);
  const add = [...Array(count).keys()].map((i) => fixed(`add ${count} ${i}`));
  const subtract = [...Array(Math.ceil(count / 2)).keys()].map((i) => fixed(`sub ${count} ${i}`));
  const result = lthash.subtractThenAdd(start, subtract, add);
  return {
    hash: hex(start),
    add: add.map(hex),
    subtract: subtract.map(hex),
    result: hex(result),
  };
});

const keyId = fixed('key id', 6);
const keyData = fixed('key a');
const keyIdB64 = Buffer.from(keyId).toString('base64');
const getKey = async (id) => (id === keyIdB64 ? { keyData } : undefined);
const chat = '15550002222@s.whatsapp.net';
const steps = [
  ['regular_low', ['pin_v1', chat], { pinAction: { pinned: true } }, 5, 0],
  ['regular_low', ['archive', chat], { archiveChatAction: { archived: true } }, 3, 0],
  ['regular_low', ['pin_v1', chat], { pinAction: { pinned: false } }, 5, 0],
  ['regular_low', ['archive', chat], { archiveChatAction: { archived: true } }, 3, 1],
];
let state = newLTHashState();
const patches = [];
let step = 0;
for (const [name, index, action, apiVersion, operation] of steps) {
  const syncAction = proto.SyncActionValue.fromObject({ ...action, timestamp: 1764590000000 + step });
  step += 1;
  const before = stateJson(state);
  const { patch, state: next } = await encodeSyncdPatch(
    { type: name, index, syncAction, apiVersion, operation },
    keyIdB64,
    state,
    getKey,
  );
  state = next;
  patches.push({
    name,
    index,
    apiVersion,
    operation,
    before,
    patch: hex(proto.SyncdPatch.encode(patch).finish()),
    after: stateJson(state),
  });
}

const vectors = {
  source: 'baileys 7.0.0-rc14 and whatsapp-rust-bridge (tests/interop/js/make_appstate_vectors.mjs)',
  expansions,
  lthashes,
  keyId: hex(keyId),
  keyData: hex(keyData),
  patches,
};
process.stdout.write(`${JSON.stringify(vectors, null, 2)}\n`);
