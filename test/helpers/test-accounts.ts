// The circles' accounts the tests configure: bcrypt hashes only, as a village configuration holds.
/** bcrypt (cost 8) of TEST_PASSWORD. */
export const TEST_PASSWORD_HASH = "$2b$08$GAcw/sYHeWWh3jS0Uo5LY.LUlfibuUclfCINKb7zO8NNkEEwOySiW";
export const TEST_PASSWORD = "village-test-pw";

/** Two circles that may write and one that may only read. */
export const TEST_ACCOUNTS = [
  { account: "maintenance", password: TEST_PASSWORD_HASH },
  { account: "kitchen", password: TEST_PASSWORD_HASH },
  { account: "visitors", password: TEST_PASSWORD_HASH, permissions: "read" as const },
];
