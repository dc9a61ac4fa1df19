/** A spec the generator cannot turn into tools, with what to change. */
export class SpecError extends Error {
  override name = 'SpecError';
}
