// A pino logger for tests: silent unless CS_TEST_LOG=debug (or another level) is set.
import pino from "pino";

export const testLog = pino({ level: process.env.CS_TEST_LOG ?? "silent" });
