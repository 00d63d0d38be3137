// The shape both throughput paths share, so that they are compared like with like: messages of
// 100 readings (the journal's group commit), and at most 10,000 readings sent and not yet answered
// (acknowledged by the gateway on the full path, PUBACKed to the publisher on the raw one).
export const READINGS_PER_MESSAGE = 100;
export const READINGS_IN_FLIGHT = 10_000;
