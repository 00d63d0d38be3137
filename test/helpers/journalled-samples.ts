// Every sample an edge agent journals, as the gateway would later receive it, with the time it was
// taken: the HIL tests judge the agent by what it wrote down, not by what it holds in memory.
import type { EdgeAgent } from "../../edge/agent.ts";
import type { Sample } from "../../edge/sensors/sample.ts";

export function journalledSamples(agent: EdgeAgent) {
  const samples: Array<Sample & { atMs: number }> = [];
  const append = agent.journal.append.bind(agent.journal);
  agent.journal.append = (sample) => {
    samples.push({ ...sample, atMs: Date.now() });
    return append(sample);
  };
  return {
    samples,
    /** The newest sample of a sensor. */
    latest: (sensor: string) => samples.filter((s) => s.sensor === sensor).at(-1),
    /** A sensor's samples from index `from` of all samples on. */
    since: (sensor: string, from: number) => samples.slice(from).filter((s) => s.sensor === sensor),
  };
}
