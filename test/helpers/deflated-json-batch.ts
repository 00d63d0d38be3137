// A journal batch as agents before the packed format wrote it (format 1): the readings' JSON array,
// raw-deflated with the preset dictionary of edge/journal/batch-codec.ts. For tests that the old
// batches are still read. The dictionary is a copy on purpose: it is what agents in the field wrote
// with, so a change to the codec's constant must fail these tests, not follow into them.
import { deflateRawSync } from "node:zlib";

const DICTIONARY = Buffer.from('"clock":"corrected"},{"seq":"clock":"estimated"},{"seq":,"warning":"check the ,"quality":"invalid","ts":,"unit":"L","quality":"good","ts":,"clock":"synced"},{"seq":,"sensor":"","value":');

export function deflatedJsonBatch(entries: readonly object[]): Buffer {
  return deflateRawSync(JSON.stringify(entries), { level: 1, dictionary: DICTIONARY });
}
