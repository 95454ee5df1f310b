// Opens a poll vote with Baileys' own decryptPollVote (lib/Utils/process-message.js).
// Reads one JSON object from stdin: { encPayload, encIv, pollEncKey } in base64 and
// { pollCreatorJid, pollMsgId, voterJid }; writes { selectedOptions: [base64...] } or
// { error } to stdout.
import { decryptPollVote } from 'baileys/lib/Utils/process-message.js';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString());
const b = (text) => Buffer.from(text, 'base64');
try {
  const vote = decryptPollVote(
    { encPayload: b(request.encPayload), encIv: b(request.encIv) },
    {
      pollCreatorJid: request.pollCreatorJid,
      pollMsgId: request.pollMsgId,
      pollEncKey: b(request.pollEncKey),
      voterJid: request.voterJid,
    },
  );
  const selected = vote.selectedOptions.map((o) => Buffer.from(o).toString('base64'));
  process.stdout.write(JSON.stringify({ selectedOptions: selected }));
} catch (err) {
  process.stdout.write(JSON.stringify({ error: String(err) }));
}
