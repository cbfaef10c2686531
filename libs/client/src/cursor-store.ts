/**
 * Where the client keeps the highest seq it has seen, so a restarted app resumes exactly there
 * (localStorage in a browser, a file or key-value store in a native app).
 */
export interface CursorStore {
  load(): number | undefined | Promise<number | undefined>;
  save(cursor: number): void | Promise<void>;
}

/** Keeps the cursor for the life of the client object only. */
export function memoryCursorStore(initial?: number): CursorStore & { readonly value: number | undefined } {
  let value = initial;
  return {
    get value() {
      return value;
    },
    load: () => value,
    save: (cursor) => {
      value = cursor;
    },
  };
}
