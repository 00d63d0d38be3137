// Child process for the crash test: appends readings forever, committing every 10, and prints each
// committed sequence number so the parent knows what was durable before it kills this process.
import { Journal } from "../../edge/journal/journal.ts";
import { systemClock } from "../../edge/journal/clock.ts";

const journal = new Journal({ path: process.argv[2], clock: systemClock, commitEveryReadings: 10, firstSeq: 1 });
journal.open();
journal.on("committed", (readings) => process.stdout.write(`${readings[readings.length - 1].seq}\n`));
let i = 0;
const write = () => {
  for (let k = 0; k < 50; k++) journal.append({ sensor: "tank-north-level", value: i++, unit: "L", quality: "good" });
  setImmediate(write);
};
write();
