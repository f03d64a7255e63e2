/** Turn whatever a rejected command gave us into a sentence a person can read. */
export function errorMessage(err: unknown): string {
  if (typeof err === 'string') return err.trim() || 'Something went wrong.';
  if (err instanceof Error) return err.message || 'Something went wrong.';
  if (err && typeof err === 'object') {
    const m = (err as { message?: unknown }).message;
    if (typeof m === 'string' && m.trim()) return m;
    try {
      return JSON.stringify(err);
    } catch {
      /* fall through */
    }
  }
  return 'Something went wrong.';
}

/** An error shown in the dismissible banner. */
export type BannerError = { id: number; message: string };

let nextId = 1;

/** Append an error, skipping an exact duplicate of one already shown. */
export function pushError(list: readonly BannerError[], err: unknown): BannerError[] {
  const message = errorMessage(err);
  if (list.some((e) => e.message === message)) return [...list];
  return [...list, { id: nextId++, message }];
}
