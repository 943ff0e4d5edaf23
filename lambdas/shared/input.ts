/** A step's input comes from the workflow definition; a missing field is a definition bug, said plainly. */
export function requireStrings<T extends object>(event: T, fields: ReadonlyArray<keyof T & string>, step: string): T {
  for (const field of fields) {
    const value = (event as Record<string, unknown> | undefined)?.[field];
    if (typeof value !== 'string' || !value) throw new TypeError(`${step} input is missing ${field}`);
  }
  return event;
}
