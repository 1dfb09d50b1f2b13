export { KeyUsage, type KeyUsageConfig, type KeyUsageOptions } from './usage.js';
export { KeyUsageStateError, parseKeyUsageState, type KeyUsageState } from './state.js';
