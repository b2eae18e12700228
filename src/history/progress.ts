// How long operations (verify, dump, backup) tell a caller how far they are,
// so that a command line can draw a progress bar without knowing their insides.

/**
 * Called now and then during a long operation with the work done so far and
 * the total it expects, in units the operation names (moments, bytes, slot
 * reads). `done` never exceeds `total`; the last call has `done === total`
 * when the operation completes. Called synchronously: keep it cheap.
 */
export type ProgressCallback = (done: number, total: number) => void;
