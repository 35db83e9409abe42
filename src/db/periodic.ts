/**
 * Runs `task` every `intervalMs` without holding the process open; stop() clears the
 * timer and waits for a run under way, so the database can close after it. `task`
 * handles its own errors.
 */
export function runEvery(intervalMs: number, task: () => Promise<void>): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = task();
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
