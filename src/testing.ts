// The testing entry point, 'stratadb/testing' (browser-safe): doubles for tests
// of code built on stratadb. A storage that injects faults and simulated crashes
// at every write and sync, and tiny hashers that make hash collisions common.
// Never for real data.

export { FaultStorage, SimulatedCrash, type FaultEvent, type FaultEventKind, type SurvivalMode, type SurvivalOptions, type FaultStorageOptions } from './storage/fault-storage.js';
export { tinyHasher, fixedHasher, fnv1a32 } from './hash/test-hashers.js';
