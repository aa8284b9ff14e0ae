/** An error the user can fix (bad config, missing file, corrupt checkpoint): the CLI prints its message alone. */
export class DalError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'DalError';
  }
}
