/** A command used wrongly (exit code 2), as opposed to a command that failed (exit code 1). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
