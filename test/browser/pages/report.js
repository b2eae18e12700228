// Shared by the test pages: runs a page's check and leaves its outcome in
// `window.result` ({ ok: true, ...facts } or { ok: false, error }), where the
// test reads it. External, not inline, so that the strict-CSP page may run it.

/**
 * @param {() => Promise<Record<string, unknown>>} check - the page's work; its facts are reported
 */
export async function report(check) {
  try {
    window.result = { ok: true, ...(await check()) };
  } catch (error) {
    window.result = { ok: false, error: `${error?.name}: ${error?.message}` };
  }
}

/** Which xx16 engine `createXxHash128Hasher` picked: 'wasm', or 'js' for the fallback. */
export async function xx16Engine(stratadb) {
  return (await stratadb.createXxHash128Hasher()) === stratadb.xxHash128JsHasher ? 'js' : 'wasm';
}

/** Hex of the xx16 hash of the UTF-8 key "foo" (FORMAT.md §Hashing gives the bytes). */
export async function xx16OfFoo(stratadb) {
  const hash = (await stratadb.createXxHash128Hasher()).hash(new TextEncoder().encode('foo'));
  return Array.from(hash, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
