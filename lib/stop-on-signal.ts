// A command that runs until it is told to stop (systemd's stop, Ctrl-C): on SIGINT or SIGTERM its
// parts are stopped, then it exits 0. A stop that fails is said and exits 1, never hangs.
export function stopOnSignal(stop: () => Promise<void>): void {
  const shutdown = () =>
    stop().then(
      () => process.exit(0),
      (err: Error) => {
        console.error(`stopping failed: ${err.message}`);
        process.exit(1);
      },
    );
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
