export { KeyUsage, DEFAULT_KEY_WINDOW, DEFAULT_MAX_KEY_ENTRIES, type KeyUsageOptions } from './usage.js';
export { KeyUsageStateError, parseKeyUsageState, type KeyUsageState } from './state.js';
